interface Props {
  /** True right after the user signed out here, so the screen says so instead of greeting a stranger. */
  signedOutNow: boolean;
}

/** No session: how to get one. Ferry has no passwords; a one-time link signs a browser in. */
export function SignInScreen({ signedOutNow }: Props) {
  return (
    <section className="panel panel--narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">{signedOutNow ? "You are signed out" : "Sign in to Ferry"}</h1>
      <p>
        This page is where you connect OneDrive to Ferry. To open it, use a one-time sign-in link: each link
        works once and for 15 minutes.
      </p>
      <ol className="steps">
        <li>
          On your own machine, run <code>ferry dev</code>: it prints a sign-in link. Open that link in this
          browser.
        </li>
        <li>On a shared broker, ask an admin for a sign-in link.</li>
      </ol>
      <p className="muted">A link that was already used or has expired shows an error; ask for a new one.</p>
    </section>
  );
}
