import { describe, expect, it } from "vitest";
import { configPath, parseConfig, resolveContext } from "../../../shared/cli/contexts.ts";
import { CliError } from "../../../shared/cli/errors.ts";

const FILE = `
current-context: prod
contexts:
  - name: local
    url: http://127.0.0.1:9292/
  - name: prod
    url: https://abc.lambda-url.eu-west-1.on.aws
    aws: { region: eu-west-1, profile: ops }
    kubeconfig: ~/.kube/prod
`;

describe("contexts", () => {
  it("reads the config file", () => {
    expect(parseConfig(FILE, "config.yaml")).toEqual({
      currentContext: "prod",
      contexts: [
        { name: "local", url: "http://127.0.0.1:9292" },
        {
          name: "prod",
          url: "https://abc.lambda-url.eu-west-1.on.aws",
          aws: { region: "eu-west-1", profile: "ops" },
          kubeconfig: "~/.kube/prod",
        },
      ],
    });
    expect(parseConfig("", "empty.yaml")).toEqual({ contexts: [] });
  });

  it.each([
    ["contexts: {}", /contexts must be a list/],
    ["contexts: [{ name: x }]", /contexts\[0\] needs a name and a url/],
    ["contexts: [{ name: x, url: u, aws: { profile: p } }]", /aws.region is required/],
    ["contexts: [{ name: x, url: 'ftp://h' }]", /must be an http\(s\) URL/],
    ["contexts: [", /not valid YAML/],
  ])("refuses %s, naming the problem", (text, message) => {
    expect(() => parseConfig(text, "c.yaml")).toThrow(message);
  });

  it("chooses --api-url, then --context, then SLUICE_CONTEXT, then current-context, then the local runtime", () => {
    const config = parseConfig(FILE, "c.yaml");
    expect(resolveContext({ apiUrl: "http://10.0.0.1:9292", context: "prod" }, config, {})).toEqual({
      name: "--api-url",
      url: "http://10.0.0.1:9292",
    });
    expect(resolveContext({ context: "local" }, config, { SLUICE_CONTEXT: "prod" }).name).toBe("local");
    expect(resolveContext({}, config, { SLUICE_CONTEXT: "local" }).name).toBe("local");
    expect(resolveContext({}, config, {}).name).toBe("prod");
    expect(resolveContext({}, { contexts: [] }, {})).toEqual({ name: "local", url: "http://127.0.0.1:9292" });
    expect(resolveContext({}, config, { SLUICE_API_URL: "http://h:1" }).url).toBe("http://h:1");
  });

  it("signs a bare function URL for its own region", () => {
    expect(
      resolveContext(
        { apiUrl: "https://xyz.lambda-url.ap-southeast-2.on.aws/" },
        { contexts: [] },
        { AWS_PROFILE: "ops" },
      ),
    ).toEqual({
      name: "--api-url",
      url: "https://xyz.lambda-url.ap-southeast-2.on.aws",
      aws: { region: "ap-southeast-2", profile: "ops" },
    });
  });

  it("names the known contexts when asked for another, as a usage error", () => {
    const config = parseConfig(FILE, "c.yaml");
    try {
      resolveContext({ context: "staging" }, config, {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).hint).toBe("known contexts: local, prod");
    }
  });

  it("finds the file from SLUICE_CONFIG, XDG_CONFIG_HOME or HOME", () => {
    expect(configPath({ SLUICE_CONFIG: "/etc/s.yaml", HOME: "/home/a" })).toBe("/etc/s.yaml");
    expect(configPath({ XDG_CONFIG_HOME: "/x", HOME: "/home/a" })).toBe("/x/sluice/config.yaml");
    expect(configPath({ HOME: "/home/a" })).toBe("/home/a/.config/sluice/config.yaml");
  });
});
