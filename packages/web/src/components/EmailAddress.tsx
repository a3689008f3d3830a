/**
 * An email address that, when it must wrap, wraps after the "@" rather than in the middle of a word: narrow
 * columns (the facts list at about 1100 px) otherwise break "outlook" into "outlo" / "ok".
 */
export function EmailAddress({ email }: { email: string }) {
  const at = email.lastIndexOf("@");
  if (at <= 0) return <>{email}</>;
  return (
    <>
      {email.slice(0, at + 1)}
      <wbr />
      {email.slice(at + 1)}
    </>
  );
}
