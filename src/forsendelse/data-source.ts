import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseUrl } from '../config/config.loader';
import { databaseOptions } from './database.options';

/** For `npm run migration:run` (a deploy step; the app then starts with DATABASE_MIGRATE=false). */
export const dataSource = new DataSource(databaseOptions(loadDatabaseUrl(), false));
