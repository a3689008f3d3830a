/** The page's heading and what it is for; static, so it is shown at once, before anything has loaded. */
export function PageIntro() {
  return (
    <div className="page-intro">
      <h1>Integrations &amp; Secrets</h1>
      <p className="lead">
        Connect your OneDrive once. Ferry keeps the sign-in safe on the broker and hands your jobs short-lived
        access tokens.
      </p>
    </div>
  );
}
