# Read input/raw.csv, summarise every numeric column with df.describe(), write output/summary.csv back to
# OneDrive, and read it again.
import pandas as pd

from ferry_onedrive import onedrive_connect

conn = onedrive_connect()

df = pd.read_csv("onedrive://input/raw.csv")
summary = df.describe()

resp = conn.request("PUT", "me/drive/root:/output/summary.csv:/content", data=summary.to_csv().encode())
resp.raise_for_status()

print(pd.read_csv("onedrive://output/summary.csv", index_col=0))
