/** What a login looks like: an e-mail address, or an Okta app/user id. */
const LOGIN_SHAPED = /^(0oa|00u)[A-Za-z0-9]+$|^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;
/** Symbols logins do not use (dots, dashes, underscores and @ they do). */
const UNLOGIN_SYMBOL = /[!#$%^&*()+=[\]{}|;:'",<>?/\\`~]/;

/**
 * True when text typed as a username reads as a password: 8–128 characters without spaces, not
 * shaped like a login, and either mixing three kinds of character (lower, upper, digit, symbol) or
 * carrying a symbol that logins do not use. Plain logins ("admin", "j.smith", "svc_backup") never
 * qualify. Normalisation withholds such text from the OCSF event, and a detection reports it.
 */
export function passwordShaped(text: string): boolean {
  if (text.length < 8 || text.length > 128 || /\s/.test(text) || LOGIN_SHAPED.test(text)) return false;
  const kinds =
    Number(/[a-z]/.test(text)) +
    Number(/[A-Z]/.test(text)) +
    Number(/[0-9]/.test(text)) +
    Number(/[^A-Za-z0-9]/.test(text));
  return kinds >= 3 || UNLOGIN_SYMBOL.test(text);
}

/** What stands in for withheld text in OCSF events, signals and narratives. */
export const WITHHELD_LOGIN = '(withheld: a password-shaped username)';
