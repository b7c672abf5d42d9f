import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Connection } from '../src/runtime/connection.js';
import { DRIVERS } from '../src/drivers/index.js';
import type { EngineHandle } from '../src/drivers/types.js';
import { DRIVER_NAMES, onCleanup, tempDir } from './helpers.js';

describe.each(DRIVER_NAMES)('connection on %s', (name) => {
  it('checkpoints on idle close only when something may have been written', async () => {
    const driver = DRIVERS[name];
    const path = join(tempDir(), 'c.db');
    const handle = await driver.open(path, {});
    const checkpoints: string[] = [];
    // The real handle, counting the checkpoints that reach it.
    const counting: EngineHandle = Object.assign(Object.create(handle) as EngineHandle, {
      all: (sql: string, params?: never) => {
        if (sql.includes('wal_checkpoint')) checkpoints.push(sql);
        return handle.all(sql, params);
      },
    });
    const conn = new Connection(driver, counting, path);
    onCleanup(() => conn.close());
    await conn.exec('CREATE TABLE t (x INTEGER)');
    await conn.checkpoint({ ifWritten: true });
    expect(checkpoints).toHaveLength(1);
    await conn.all('SELECT x FROM t');
    await conn.get('SELECT count(*) AS n FROM t');
    await conn.checkpoint({ ifWritten: true });
    expect(checkpoints).toHaveLength(1); // only read since
    await conn.transaction((tx) => tx.run('INSERT INTO t (x) VALUES (1)'));
    await conn.checkpoint({ ifWritten: true });
    expect(checkpoints).toHaveLength(2);
    await conn.get('UPDATE t SET x = 2 RETURNING x');
    await conn.checkpoint({ ifWritten: true });
    expect(checkpoints).toHaveLength(3);
    await conn.checkpoint(); // explicit: always
    expect(checkpoints).toHaveLength(4);
  });
});
