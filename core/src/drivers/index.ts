/** Driver registry: resolves a driver by name. */
import { invalid } from '../util/errors.js';
import { sqliteDriver } from './sqlite.js';
import { tursoDriver } from './turso.js';
import type { Driver, DriverName } from './types.js';

export const DRIVERS: Record<DriverName, Driver> = { turso: tursoDriver, sqlite: sqliteDriver };

export function resolveDriver(driver: DriverName | Driver | undefined): Driver {
  if (driver === undefined) return tursoDriver;
  if (typeof driver === 'object') return driver;
  const found = DRIVERS[driver];
  if (!found) throw invalid(`unknown driver "${String(driver)}": use "turso" or "sqlite"`);
  return found;
}

export { Connection } from '../runtime/connection.js';
export type * from './types.js';
