# Common operations with the thin REST helpers: list, item metadata, download, upload (and overwrite),
# create a folder with conflictBehavior "fail", delete.
from ferry_onedrive import onedrive_connect

conn = onedrive_connect()

# list a folder
print("data/:", [item["name"] for item in conn.list("data")])

# item metadata
meta = conn.get("me/drive/root:/data/measurements.csv")
print(f"metadata: {meta['name']}, {meta['size']} bytes, modified {meta['lastModifiedDateTime']}")

# download
data = conn.download("data/measurements.csv")
print(f"download: {len(data)} bytes")

# upload a small file (PUT creates it, a second PUT overwrites it)
resp = conn.request("PUT", "me/drive/root:/scratch/hello.txt:/content", data=b"hello")
print("upload:", resp.status_code)
resp = conn.request("PUT", "me/drive/root:/scratch/hello.txt:/content", data=b"hello again")
print("overwrite:", resp.status_code, resp.json()["size"], "bytes")

# create a folder, failing if it already exists
folder = {"name": "new-folder", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}
resp = conn.request("POST", "me/drive/root:/scratch:/children", json=folder)
print("create folder:", resp.status_code)
resp = conn.request("POST", "me/drive/root:/scratch:/children", json=folder)
print("create it again:", resp.status_code, resp.json()["error"]["code"])

# delete (the folder and everything in it)
resp = conn.request("DELETE", "me/drive/root:/scratch")
print("delete:", resp.status_code)
