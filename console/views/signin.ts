import type { Analyst } from '../auth.ts';
import { h } from './html.ts';
import { page } from './layout.ts';

export function signinPage(options: { next: string; error?: string; analyst?: Analyst | undefined }) {
  const { next, error, analyst } = options;
  const body = h`<h1>Sign in</h1>
${error ? h`<p class="banner bad">${error}</p>` : ''}
${analyst ? h`<form method="post" action="/signout"><p>Signed in as ${analyst.id}. <button type="submit">Sign out</button></p></form>` : ''}
<p>Local development sign-in: enter the one-time code the demo printed when it started, and the
email address to record your decisions under.</p>
<form method="post" action="/signin">
<input type="hidden" name="next" value="${next}">
<p><label for="email">Email</label><br><input id="email" name="email" type="email" required maxlength="254" autocomplete="email"></p>
<p><label for="code">Sign-in code</label><br><input id="code" name="code" type="password" required maxlength="200" autocomplete="off"></p>
<p><button type="submit">Sign in</button></p>
</form>`;
  return page({ title: 'Sign in', analyst, body });
}
