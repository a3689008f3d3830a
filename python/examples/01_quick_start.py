# Quick start: list a subfolder, download a file's bytes, and show the drive root as a table.
import pandas as pd

from ferry_onedrive import onedrive_connect

conn = onedrive_connect()

# .list() returns the raw driveItem dicts of a folder, every page of them
for item in conn.list("reports"):
    print(item["name"], item["size"])

# .download() returns the file's bytes (checked against OneDrive's QuickXorHash)
data = conn.download("reports/q1.csv")
print(f"reports/q1.csv: {len(data)} bytes, first line: {data.decode().splitlines()[0]}")

# the drive root as a table
root = conn.list("")
df = pd.DataFrame([{"name": i["name"], "size": i["size"], "folder": "folder" in i} for i in root])
print(df)
