import { describe, expect, it } from "vitest";
import { fieldChanges, maskSecret, renderChanges } from "../../../shared/cli/output/field-diff.ts";
import { formatAge, oneLine, renderTable } from "../../../shared/cli/output/table.ts";

describe("tables", () => {
  it("pads every column but the last to its widest cell, and can leave the header out", () => {
    const rows = [
      ["podinfo", "main@sha1:1", "True"],
      ["a", "", "False"],
    ];
    expect(renderTable(["NAME", "REVISION", "READY"], rows)).toBe(
      "NAME      REVISION      READY\npodinfo   main@sha1:1   True\na                       False\n",
    );
    expect(renderTable(["NAME", "REVISION", "READY"], rows, { header: false }).split("\n")[0]).toBe(
      "podinfo   main@sha1:1   True",
    );
  });

  it("keeps a cell on one line and counts wide characters once", () => {
    expect(oneLine("ConfigMap/a/b created\n\n  Deployment/a/c configured\n")).toBe(
      "ConfigMap/a/b created; Deployment/a/c configured",
    );
    expect(
      renderTable(
        ["A", "B"],
        [
          ["✔ ok", "x"],
          ["no", "y"],
        ],
      ),
    ).toBe("A      B\n✔ ok   x\nno     y\n");
    const red = "\u001b[31mWarning\u001b[0m";
    expect(
      renderTable(
        ["TYPE", "REASON"],
        [
          [red, "Failed"],
          ["Normal", "Ok"],
        ],
      ),
    ).toBe(`TYPE      REASON\n${red}   Failed\nNormal    Ok\n`);
  });

  it("shows ages as kubectl does", () => {
    expect([0, 59_999, 190_000, 3_600_000, 3_900_000, 90_000_000, 86_400_000 * 12].map(formatAge)).toEqual([
      "0s",
      "59s",
      "3m10s",
      "1h",
      "1h5m",
      "1d1h",
      "12d",
    ]);
  });
});

describe("field diffs", () => {
  it("lists changed leaves by path, in a stable order", () => {
    const before = { data: { color: "blue", size: "s" }, spec: { ports: [{ port: 80 }] } };
    const after = {
      data: { color: "green", "app.kubernetes.io/x": "1" },
      spec: { ports: [{ port: 80 }, { port: 443 }] },
    };
    expect(fieldChanges(before, after)).toEqual([
      { path: 'data["app.kubernetes.io/x"]', after: "1" },
      { path: "data.color", before: "blue", after: "green" },
      { path: "data.size", before: "s" },
      { path: "spec.ports[1]", after: { port: 443 } },
    ]);
    expect(fieldChanges({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
  });

  it("never shows a Secret's values, only that they changed", () => {
    const changes = fieldChanges(
      { data: { token: "b2xk" }, type: "Opaque" },
      { data: { token: "bmV3" }, type: "x" },
    );
    const masked = maskSecret("Secret", changes);
    expect(masked).toEqual([
      { path: "data.token", before: "***** (before)", after: "***** (after)" },
      { path: "type", before: "Opaque", after: "x" },
    ]);
    expect(renderChanges(masked)).not.toMatch(/b2xk|bmV3/);
    expect(maskSecret("ConfigMap", changes)).toEqual(changes);
  });

  it("renders - and + lines under each path", () => {
    expect(
      renderChanges([
        { path: "data.color", before: "blue", after: "green" },
        { path: "spec.x", after: { a: 1 } },
      ]),
    ).toBe("    data.color\n      - blue\n      + green\n    spec.x\n      + a: 1\n");
  });
});
