import { type FileHandle, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  blobDataPath,
  layerLinkPath,
  manifestRevisionPath,
  repositoryPath,
  tagCurrentLinkPath,
  tagsPath,
} from './layout.js';

/**
 * Everything else the registry reads or changes on disk: manifests, tags, link deletes and blob
 * data. None of it goes through the cache — manifests are read once per pull and tags move; the
 * per-blob questions asked for every layer are in `backend.ts`. Callers pass validated names,
 * digests and tags.
 */
export interface Storage {
  /** Whether `repositories/<name>` exists (to tell NAME_UNKNOWN from BLOB_UNKNOWN on a miss). */
  hasRepository(name: string): Promise<boolean>;
  /** The digest `tag` points at in `name`, or `undefined`. */
  resolveTag(name: string, tag: string): Promise<string | undefined>;
  /** The manifest's bytes when `name` has revision `digest` and its data is there, else `undefined`. */
  readManifest(name: string, digest: string): Promise<Buffer | undefined>;
  /** Tag names of `name`, sorted, or `undefined` when the repository does not exist. */
  listTags(name: string): Promise<string[] | undefined>;
  /** Opens blob `digest`'s data, or `undefined` when the file is gone. */
  openBlob(digest: string): Promise<FileHandle | undefined>;
  /** Removes `name`'s link to blob `digest`; `false` when there was none. The data stays. */
  deleteLayerLink(name: string, digest: string): Promise<boolean>;
  /** Removes revision `digest` of `name` and the tags pointing at it; `false` when there was none. */
  deleteManifest(name: string, digest: string): Promise<boolean>;
}

/** The {@link Storage} of a Go-registry tree under `root` (its filesystem driver's root). */
export function createStorage(root: string): Storage {
  const at = (relative: string) => join(root, relative);
  const readLink = async (relative: string): Promise<string | undefined> => {
    try {
      return (await readFile(at(relative), 'utf8')).trim();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };
  const hasRevision = async (name: string, digest: string) =>
    (await readLink(`${manifestRevisionPath(name, digest)}/link`)) === digest;

  return {
    async hasRepository(name) {
      const info = await stat(at(repositoryPath(name))).catch(() => undefined);
      return info?.isDirectory() === true;
    },
    async resolveTag(name, tag) {
      return readLink(tagCurrentLinkPath(name, tag));
    },
    async readManifest(name, digest) {
      if (!(await hasRevision(name, digest))) return undefined;
      try {
        return await readFile(at(blobDataPath(digest)));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async listTags(name) {
      if (!(await this.hasRepository(name))) return undefined;
      const entries = await readdir(at(tagsPath(name)), { withFileTypes: true }).catch(
        (error: unknown) => {
          if (isMissing(error)) return [];
          throw error;
        },
      );
      return entries
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    },
    async openBlob(digest) {
      try {
        return await open(at(blobDataPath(digest)), 'r');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async deleteLayerLink(name, digest) {
      const link = layerLinkPath(name, digest);
      if ((await readLink(link)) !== digest) return false;
      // The link's directory (`_layers/<alg>/<hex>`), as the Go registry's blob delete does.
      await rm(at(link.slice(0, -'/link'.length)), { recursive: true, force: true });
      return true;
    },
    async deleteManifest(name, digest) {
      if (!(await hasRevision(name, digest))) return false;
      for (const tag of (await this.listTags(name)) ?? []) {
        if ((await readLink(tagCurrentLinkPath(name, tag))) === digest) {
          await rm(at(`${tagsPath(name)}/${tag}`), { recursive: true, force: true });
        }
      }
      await rm(at(manifestRevisionPath(name, digest)), { recursive: true, force: true });
      return true;
    },
  };
}

/** A missing file or a file where a directory should be: "not there", not a storage failure. */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
