// Node tests for markdown.js: the tree it builds for model output, which render() turns into DOM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, inline, safeHref } from "../../main/resources/web/markdown.js";

const TAGS = new Set(["p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "pre", "code", "strong", "em", "a", "blockquote", "br"]);

/** Every node of a tree, walked depth first. */
function* walk(nodes) {
  for (const n of nodes) {
    yield n;
    if (typeof n !== "string") yield* walk(n.children);
  }
}
const text = (nodes) => [...walk(nodes)].filter((n) => typeof n === "string").join("");

test("markup in model output stays text", () => {
  const hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3)) '
    + '[y](data:text/html,<b>) <a href="https://e.com">z</a>';
  const tree = parse(hostile);
  for (const n of walk(tree)) {
    if (typeof n === "string") continue;
    assert.ok(TAGS.has(n.tag), n.tag);
    assert.ok(n.tag !== "a", "no link from a javascript:, data: or raw HTML URL");
  }
  assert.equal(text(tree), hostile);
});

test("renders the supported subset", () => {
  const tree = parse("# Title\n\nSome **bold**, *it*, `x<y`, [site](https://example.com/a?b=1).\nNext line\n\n"
    + "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```js\nconst a = '<b>';\n```\n");
  assert.deepEqual(tree.map((n) => n.tag), ["h1", "p", "ul", "ol", "blockquote", "pre"]);
  assert.deepEqual(tree[1].children.filter((n) => typeof n !== "string").map((n) => n.tag), ["strong", "em", "code", "a", "br"]);
  assert.equal(tree[1].children.find((n) => n.tag === "a").attrs.href, "https://example.com/a?b=1");
  assert.deepEqual(tree[5], { tag: "pre", children: [{ tag: "code", attrs: { class: "language-js" }, children: ["const a = '<b>';"] }] });
  assert.equal(tree[2].children.length, 2);
});

test("an unclosed fence while streaming is already a code block", () => {
  const tree = parse("Here:\n```python\nprint('hi')\nfor i in");
  assert.equal(tree[1].tag, "pre");
  assert.equal(text([tree[1]]), "print('hi')\nfor i in");
});

test("only http, https and mailto links are links", () => {
  assert.equal(safeHref("https://a.b/c"), "https://a.b/c");
  assert.equal(safeHref("mailto:x@y.z"), "mailto:x@y.z");
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("/relative"), null);
  assert.deepEqual(inline("[a](vbscript:x)"), ["[a](vbscript:x)"]);
});

test("underscores inside words are not emphasis", () => {
  assert.deepEqual(inline("call snake_case_name or a__b__c here"), ["call snake_case_name or a__b__c here"]);
  assert.deepEqual(inline("an _em_ word and __strong__ one")
    .filter((n) => typeof n !== "string").map((n) => n.tag), ["em", "strong"]);
});
