import { ReconcileError } from "../../reconcile/reconciler.ts";
import type { ArtifactContent } from "../artifact/publish.ts";
import { formatBytes } from "../artifact/tarball.ts";
import { readTarball } from "../artifact/untar.ts";
import { applyIgnoreRules } from "../ignore-rules.ts";
import { OCI_PULL_FAILED, type OciDescriptor, type OciManifest, sha256Of } from "./manifest.ts";
import { FLUX_CONTENT_MEDIA_TYPE, type LayerSelector } from "./repository-spec.ts";

export const LAYER_OPERATION_FAILED = "OCIArtifactLayerOperationFailed";

/**
 * The layer to use: the first of the selector's media type; without one, the first Flux
 * content layer, else the first layer (as Flux does for artifacts pushed by other tools).
 */
export function selectLayer(manifest: OciManifest, selector: LayerSelector, where: string): OciDescriptor {
  if (manifest.layers.length === 0)
    throw new ReconcileError(OCI_PULL_FAILED, `the manifest of ${where} is corrupt: it has no layers`);
  const wanted = selector.mediaType ?? FLUX_CONTENT_MEDIA_TYPE;
  const layer =
    manifest.layers.find((l) => l.mediaType === wanted) ??
    (selector.mediaType ? undefined : manifest.layers[0]);
  if (!layer)
    throw new ReconcileError(
      LAYER_OPERATION_FAILED,
      `${where} has no layer of media type '${wanted}' (it has ${[...new Set(manifest.layers.map((l) => l.mediaType))].join(", ")}): check spec.layerSelector.mediaType`,
    );
  return layer;
}

/** A layer bigger than the limit is refused from its descriptor, before any byte is downloaded. */
export function checkLayerSize(layer: OciDescriptor, maxBytes: number, where: string): void {
  if (layer.size > maxBytes)
    throw new ReconcileError(
      "SizeLimitExceeded",
      `layer ${layer.digest} of ${where} is ${formatBytes(layer.size)}, over the ${formatBytes(maxBytes)} limit`,
    );
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * What the artifact stores: the layer's files (`extract`, with ignore rules applied), or the
 * layer's bytes as they are (`copy`). The bytes were already checked against the layer digest;
 * a size other than the descriptor's means the manifest lies about its layer.
 */
export async function layerContent(input: {
  readonly blob: Uint8Array;
  readonly layer: OciDescriptor;
  readonly selector: LayerSelector;
  readonly ignore: string | undefined;
  readonly maxBytes: number;
  readonly where: string;
}): Promise<ArtifactContent> {
  const { blob, layer, where } = input;
  if (blob.byteLength !== layer.size)
    throw new ReconcileError(
      OCI_PULL_FAILED,
      `the manifest of ${where} is corrupt: layer ${layer.digest} declares ${layer.size} bytes but has ${blob.byteLength}`,
    );
  if (input.selector.operation === "copy") return { bytes: blob, digest: sha256Of(blob) };
  // Flux requires tar+gzip; a plain tar layer is read too rather than failing on its header.
  const files = await readTarball(blob, { maxBytes: input.maxBytes, gzip: isGzip(blob) });
  return { files: await applyIgnoreRules(files, { spec: input.ignore, defaults: true }) };
}
