import { exec, lastLines } from "../test/env/exec.ts";

/** Runs the git CLI in `cwd` as the bench's author; its output, or an error naming the command. */
export async function gitCli(cwd: string, args: string[]): Promise<string> {
  const result = await exec("git", args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "bench",
      GIT_AUTHOR_EMAIL: "bench@sluice.test",
      GIT_COMMITTER_NAME: "bench",
      GIT_COMMITTER_EMAIL: "bench@sluice.test",
    },
  });
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${lastLines(result.stderr)}`);
  return result.stdout.trim();
}
