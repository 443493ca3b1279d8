// markdown.js: a small, safe Markdown subset for model output, rendered as DOM nodes.
//
// Model output is untrusted: it can never become markup here. parse() turns text into a tree of
// plain objects whose tags come from a fixed list and whose only attributes are a link's http(s)
// or mailto href and a code block's language class; text stays text (render() uses createTextNode,
// never innerHTML). Supported: fenced code blocks (an unclosed fence while streaming is still a
// code block), # headings, - / * / + and 1. lists, > quotes, paragraphs with line breaks, `code`,
// **bold**, *italic* / _italic_, [links](https://...). Everything else shows as the text it is.

const TAGS = new Set(["p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "pre", "code", "strong", "em", "a", "blockquote", "br"]);

/** Parses Markdown into [{tag, attrs?, children}] nodes and strings. */
export function parse(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trimStart().startsWith(fence[1])) body.push(lines[i++]);
      i++; // the closing fence, if any
      const lang = fence[2].toLowerCase().replace(/[^a-z0-9+#-]/g, "");
      out.push({ tag: "pre", children: [{ tag: "code", attrs: lang ? { class: "language-" + lang } : undefined, children: [body.join("\n")] }] });
      continue;
    }
    if (line.trim() === "") { i++; continue; }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push({ tag: "h" + Math.min(heading[1].length, 4), children: inline(heading[2]) });
      i++;
      continue;
    }
    const item = listItem(line);
    if (item) {
      const list = { tag: item.ordered ? "ol" : "ul", children: [] };
      while (i < lines.length) {
        const next = listItem(lines[i]);
        if (next && next.ordered === item.ordered) {
          list.children.push({ tag: "li", children: inline(next.text) });
          i++;
        } else if (lines[i].trim() !== "" && /^\s{2,}/.test(lines[i]) && list.children.length > 0) {
          const li = list.children[list.children.length - 1]; // a continuation line of the item
          li.children.push({ tag: "br", children: [] }, ...inline(lines[i].trim()));
          i++;
        } else break;
      }
      out.push(list);
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s{0,3}>\s?/, ""));
      out.push({ tag: "blockquote", children: parse(quoted.join("\n")) });
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() !== "" && !startsBlock(lines[i])) para.push(lines[i++]);
    const children = [];
    para.forEach((l, n) => {
      if (n > 0) children.push({ tag: "br", children: [] });
      children.push(...inline(l));
    });
    out.push({ tag: "p", children });
  }
  return out;
}

function listItem(line) {
  const m = /^\s{0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
  return m ? { ordered: m[2] !== undefined, text: m[3] } : null;
}

function startsBlock(line) {
  return /^\s{0,3}(`{3,}|~{3,}|#{1,6}\s|>)/.test(line) || listItem(line) !== null;
}

// Underscore emphasis only at word edges, so snake_case and __dunder__ names in prose stay as typed.
const INLINE = /`([^`]+)`|\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)|\*(?=[^*\s])([^*]*[^*\s])\*|(?<!\w)_(?=[^_\s])([^_]*[^_\s])_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Inline spans of one line: code, strong, em, links; the rest is text. */
export function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push({ tag: "code", children: [m[1]] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ tag: "strong", children: inline(m[2] ?? m[3]) });
    else if (m[4] !== undefined || m[5] !== undefined) out.push({ tag: "em", children: inline(m[4] ?? m[5]) });
    else {
      const href = safeHref(m[7]);
      out.push(href ? { tag: "a", attrs: { href }, children: inline(m[6]) } : m[0]);
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** The URL when it is http(s) or mailto, else null: javascript:, data: and relative URLs stay text. */
export function safeHref(url) {
  try {
    const u = new URL(url);
    return ["http:", "https:", "mailto:"].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/** Builds DOM nodes for a parsed tree with document.createElement and createTextNode only. */
export function render(nodes, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const node of nodes) fragment.append(renderNode(node, doc));
  return fragment;
}

function renderNode(node, doc) {
  if (typeof node === "string") return doc.createTextNode(node);
  if (!TAGS.has(node.tag)) return doc.createTextNode(""); // parse() never makes one; a guard all the same
  const el = doc.createElement(node.tag);
  if (node.attrs?.href) {
    el.setAttribute("href", node.attrs.href);
    el.setAttribute("rel", "noopener noreferrer nofollow");
    el.setAttribute("target", "_blank");
  }
  if (node.attrs?.class) el.className = node.attrs.class;
  for (const child of node.children) el.append(renderNode(child, doc));
  return el;
}
