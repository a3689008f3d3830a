# Beyond the core API: onedrive:// paths write as well as read, and the filesystem has fsspec's verbs.
import fsspec
import pandas as pd

df = pd.read_csv("onedrive://reports/q1.csv")
by_region = df.groupby("region", as_index=False)["revenue"].sum()
by_region.to_csv("onedrive://output/revenue-by-region.csv", index=False)  # written back through fsspec

fs = fsspec.filesystem("onedrive")
print(fs.ls("output", detail=False))
print(fs.info("output/revenue-by-region.csv")["size"], "bytes")
print(fs.cat_file("output/revenue-by-region.csv", start=0, end=14))  # a range read: only these bytes move

with fs.open("output/notes.txt", "w") as f:  # text or bytes; large files go up in an upload session
    f.write("written with fsspec\n")
fs.mv("output/notes.txt", "output/archive/notes.txt")  # missing folders are created
print(fs.find("output"))
fs.rm("output/archive", recursive=True)
