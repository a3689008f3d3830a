// getSecret(): a value kept in the Ferry broker, so no secret sits in the job's code. Set it once with
//   ferry secrets set DEMO_SERVICE_TOKEN        (it asks for the value, hidden; or pipe it in)
// and every job of this Ferry user reads it by name, authenticated by its Ferry API key. `npm run demo` sets it.
import { getSecret, SecretNotFoundError } from "ferry";

export default async () => {
  const token = await getSecret("DEMO_SERVICE_TOKEN");
  // A real job would send it to its service: `fetch(url, { headers: { authorization: `Bearer ${token}` } })`.
  // Never print a secret; show only that it arrived.
  let missing = "";
  try {
    await getSecret("DEMO_NEVER_SET");
  } catch (error) {
    if (!(error instanceof SecretNotFoundError)) throw error;
    missing = error.message;
  }
  return [
    { secret: "DEMO_SERVICE_TOKEN", read: true, characters: token.length, note: "value not printed" },
    { secret: "DEMO_NEVER_SET", read: false, characters: 0, note: missing },
  ];
};
