// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${var}` text is what these tests substitute
import { describe, expect, it } from "vitest";
import { envsubst, SubstitutionError } from "../../../shared/render/envsubst.ts";

const vars: Record<string, string> = {
  name: "podinfo",
  empty: "",
  path: "/home/bozo/ideas/thoughts.for.today",
  file: "bash.string.txt",
  mixed: "abcABC123ABCabc",
};
const expand = (text: string) => envsubst(text, (n) => (Object.hasOwn(vars, n) ? vars[n] : undefined));

describe("envsubst", () => {
  it.each([
    ["plain ${name} text", "plain podinfo text"],
    ["${missing:=dev}-${missing:-x}-${missing=y}", "dev-x-y"],
    ["${empty:=fallback}", "fallback"],
    ["${name:=unused}", "podinfo"],
    ["${missing:=pre-${name}-post}", "pre-podinfo-post"],
    ["${#name}", "7"],
    ["${name^}/${name^^}/${mixed,}/${mixed,,}", "Podinfo/PODINFO/abcABC123ABCabc/abcabc123abcabc"],
    ["${path:11}|${path:11:5}", "ideas/thoughts.for.today|ideas"],
    ["${file#*.}|${file##*.}|${file%.*}|${file%%.*}", "string.txt|txt|bash.string|bash"],
    [
      "${mixed/abc/x}|${mixed//abc/x}|${mixed/#abc/x}|${mixed/%abc/x}",
      "xABC123ABCabc|xABC123ABCx|xABC123ABCabc|abcABC123ABCx",
    ],
    ["${path//\\//-}", "-home-bozo-ideas-thoughts.for.today"],
  ])("expands %s", (input, output) => {
    expect(expand(input)).toBe(output);
  });

  it("leaves $var alone and turns $$ into a literal $", () => {
    expect(expand("echo $name $${name} $$$${name} $$${name} cost: 5$")).toBe(
      "echo $name ${name} $${name} $podinfo cost: 5$",
    );
  });

  it("is strict: an unset variable without default names itself, even under an operator", () => {
    for (const text of ["${nope}", "${nope^^}", "${#nope}", "${nope:1}", "${nope/a/b}"]) {
      const error = (() => {
        try {
          expand(text);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(SubstitutionError);
      expect((error as SubstitutionError).variable).toBe("nope");
    }
    expect(expand("${empty}")).toBe("");
  });

  it("rejects malformed expressions", () => {
    expect(() => expand("${name")).toThrow(/missing closing brace/);
    expect(() => expand("${}")).toThrow(/variable name/);
    expect(() => expand("${name:+x}")).toThrow(/not supported/);
  });
});
