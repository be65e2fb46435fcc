import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { AgentPool } from "../../../shared/apply/agent-pool.ts";
import { KubeHttp } from "../../../shared/apply/kube-http.ts";

/** A stand-in API server that only counts the connections made to it. */
async function countingServer() {
  let connections = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, connections: () => connections };
}

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

const get = (http: KubeHttp) =>
  http.send({ method: "GET", path: "/api/v1", signal: new AbortController().signal });

describe("AgentPool", () => {
  it("lets one run's client reuse the connection the previous run opened", async () => {
    const server = await countingServer();
    const pool = new AgentPool();
    onTestFinished(() => pool.close());
    for (let run = 0; run < 3; run++) {
      const http = new KubeHttp(kubeConfig(server.url), { maxSockets: 1, agents: pool });
      await get(http);
      http.close();
    }
    expect(server.connections()).toBe(1);
  });

  it("without a pool, each client opens its own, and a different server gets a different agent", async () => {
    const server = await countingServer();
    for (let run = 0; run < 2; run++) {
      const http = new KubeHttp(kubeConfig(server.url), { maxSockets: 1 });
      await get(http);
      http.close();
    }
    expect(server.connections()).toBe(2);
    const pool = new AgentPool();
    onTestFinished(() => pool.close());
    const a = pool.agentFor(new URL("https://a.example"), {}, 4);
    expect(pool.agentFor(new URL("https://a.example"), {}, 4)).toBe(a);
    expect(pool.agentFor(new URL("https://a.example"), { cert: "other identity" }, 4)).not.toBe(a);
    expect(pool.agentFor(new URL("https://b.example"), {}, 4)).not.toBe(a);
  });

  it("closes the least recently used agent beyond its size", () => {
    const pool = new AgentPool({ maxAgents: 1 });
    const first = pool.agentFor(new URL("https://a.example"), {}, 4);
    pool.agentFor(new URL("https://b.example"), {}, 4);
    expect(pool.agentFor(new URL("https://a.example"), {}, 4)).not.toBe(first);
    pool.close();
  });
});
