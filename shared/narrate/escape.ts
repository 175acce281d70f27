const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Narrative text is plain text whatever produced it (a model can be talked into writing markup):
 * every place that shows it in HTML — console, email — passes it through here, for element content
 * and quoted attribute values alike. Never build links from narrative text.
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
