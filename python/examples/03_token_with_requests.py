# .token() gives a short-lived Microsoft Graph access token for any other client; here plain requests against /me.
# The Graph base URL comes from the connection, so the same code runs against `ferry dev` and Microsoft.
import requests

from ferry_onedrive import onedrive_connect

conn = onedrive_connect()
token = conn.token()

resp = requests.get(f"{conn.graph_url}/me", headers={"Authorization": f"Bearer {token}"})
resp.raise_for_status()
me = resp.json()
print(me["displayName"], me.get("mail") or me["userPrincipalName"])
