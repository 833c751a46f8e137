// A strict reader for XML property lists, enough to validate launchd/*.plist where plutil
// does not exist: well-formed XML, the plist DOCTYPE, and only plist's own elements
// (dict with key/value pairs, array, string, integer, real, true, false, date, data).
// Throws on anything else; returns the value as plain JS.
export type PlistValue = string | number | boolean | Date | PlistValue[] | { [key: string]: PlistValue };

interface Node {
  tag: string;
  children: Node[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function parsePlist(xml: string): PlistValue {
  let rest = xml.replace(/^\uFEFF/, "");
  if (!rest.startsWith('<?xml version="1.0" encoding="UTF-8"?>')) throw new Error("missing XML declaration");
  if (
    !/<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN" "http:\/\/www\.apple\.com\/DTDs\/PropertyList-1\.0\.dtd">/.test(
      rest,
    )
  ) {
    throw new Error("missing plist DOCTYPE");
  }
  rest = rest.replace(/^<\?xml[^>]*\?>/, "").replace(/<!DOCTYPE[^>]*>/, "");
  for (const comment of rest.match(/<!--[\s\S]*?-->/g) ?? []) {
    if (comment.slice(4, -3).includes("--"))
      throw new Error(`"--" inside an XML comment: ${comment.slice(0, 60)}`);
  }
  rest = rest.replace(/<!--[\s\S]*?-->/g, "");
  const root = _parseXml(rest);
  if (root.tag !== "plist" || root.children.length !== 1)
    throw new Error("root must be <plist> with one value");
  return _value(root.children[0]!);
}

function _parseXml(text: string): Node {
  const stack: Node[] = [{ tag: "#document", children: [], text: "" }];
  const token = /<(\/?)([A-Za-z]+)((?:\s+[A-Za-z:-]+="[^"]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const [, closing, tag, , selfClosing, chars, stray] = m;
    const top = stack[stack.length - 1]!;
    if (stray) throw new Error(`malformed markup at offset ${m.index}: ${text.slice(m.index, m.index + 30)}`);
    if (chars !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(chars)) throw new Error(`bare & in text: ${chars.trim()}`);
      top.text += chars.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
    } else if (closing) {
      if (top.tag !== tag) throw new Error(`</${tag}> closes <${top.tag}>`);
      stack.pop();
    } else {
      const node: Node = { tag: tag!, children: [], text: "" };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.tag}>`);
  const [root, ...more] = stack[0]!.children;
  if (!root || more.length || stack[0]!.text.trim()) throw new Error("one root element expected");
  return root;
}

function _value(node: Node): PlistValue {
  const leaf = () => {
    if (node.children.length) throw new Error(`<${node.tag}> cannot contain elements`);
    return node.text;
  };
  switch (node.tag) {
    case "string":
      return leaf();
    case "integer": {
      const text = leaf().trim();
      if (!/^[+-]?\d+$/.test(text)) throw new Error(`bad <integer>${text}</integer>`);
      return Number(text);
    }
    case "real": {
      const n = Number(leaf().trim());
      if (!Number.isFinite(n)) throw new Error(`bad <real>${node.text}</real>`);
      return n;
    }
    case "true":
    case "false":
      if (leaf().trim()) throw new Error(`<${node.tag}/> must be empty`);
      return node.tag === "true";
    case "date":
      return new Date(leaf().trim());
    case "data":
      return leaf().replace(/\s+/g, "");
    case "array":
      _noText(node);
      return node.children.map(_value);
    case "dict": {
      _noText(node);
      const out: Record<string, PlistValue> = {};
      for (let i = 0; i < node.children.length; i += 2) {
        const key = node.children[i]!;
        const value = node.children[i + 1];
        if (key.tag !== "key" || key.children.length)
          throw new Error(`<dict> expects <key>, got <${key.tag}>`);
        if (!value) throw new Error(`<key>${key.text}</key> has no value`);
        if (key.text in out) throw new Error(`duplicate key ${key.text}`);
        out[key.text] = _value(value);
      }
      return out;
    }
    default:
      throw new Error(`<${node.tag}> is not a plist element`);
  }
}

function _noText(node: Node): void {
  if (node.text.trim()) throw new Error(`<${node.tag}> has stray text: ${node.text.trim().slice(0, 40)}`);
}
