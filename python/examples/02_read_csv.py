# Read a CSV straight from OneDrive: pandas finds the onedrive:// filesystem through fsspec, no import needed.
import pandas as pd

df = pd.read_csv("onedrive://data/measurements.csv")
print(df.head())
print(f"{len(df)} rows, columns: {', '.join(df.columns)}")
