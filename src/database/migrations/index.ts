import { Foundation1763900000000 } from './1763900000000-Foundation';

/** Every migration, in order. New ones are appended here after `npm run migration:generate`. */
export const MIGRATIONS = [Foundation1763900000000];
