import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { bundlerOptions, workflowsPath } from '../../workers/bundle.js';

const historiesDir = new URL('../histories/', import.meta.url);

/**
 * Replays every committed workflow history against today's workflow code. A
 * change that would break a running workflow (a non-deterministic edit without
 * patched() or a new workflow type) fails here. Histories are recorded by the
 * workflow tests with RECORD_HISTORIES=1.
 */
describe('workflow replay', () => {
  it('replays every committed history deterministically', async () => {
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
    expect(files.length, 'no histories recorded under test/histories').toBeGreaterThan(0);
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file.replace(/\.json$/, ''),
        history: historyFromJSON(JSON.parse(await readFile(new URL(file, historiesDir), 'utf8'))),
      })),
    );
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath, bundlerOptions, replayName: 'burndown-replay' }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : undefined });
    }
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.map((r) => r.workflowId)).toEqual(histories.map((h) => h.workflowId));
  });
});
