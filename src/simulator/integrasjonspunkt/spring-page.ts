import type { Request } from 'express';
import { springErrors } from './ip.errors';

export interface SortOrder {
  property: string;
  direction: 'ASC' | 'DESC';
}

export interface Pageable {
  page: number;
  size: number;
  sort: SortOrder[];
}

/** Spring Data's `spring.data.web.pageable.max-page-size` default, which the IP keeps. */
export const MAX_PAGE_SIZE = 2000;

function firstValue(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return firstValue(value[0]);
  }
  return typeof value === 'string' ? value : undefined;
}

function allValues(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(allValues);
  }
  return typeof value === 'string' ? [value] : [];
}

/** Spring Data's lenient integer reading: empty → absent, not a number → 0. */
function parseBounded(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  if (!/^[+-]?\d+$/.test(text)) {
    return 0;
  }
  const parsed = Number(text);
  return parsed < 0 ? 0 : Math.min(parsed, 2_147_483_647);
}

function parseSort(values: string[]): SortOrder[] {
  const orders: SortOrder[] = [];
  for (const value of values) {
    const elements = value.split(',');
    const last = elements[elements.length - 1]?.trim().toUpperCase();
    const direction = last === 'ASC' || last === 'DESC' ? last : undefined;
    const properties = (direction === undefined ? elements : elements.slice(0, -1)).filter((p) => p.trim() !== '');
    for (const property of properties) {
      orders.push({ property, direction: direction ?? 'ASC' });
    }
  }
  return orders;
}

/**
 * `PageableHandlerMethodArgumentResolver` as configured in the IP: `page` from 0 (negative or junk → 0),
 * `size` default 10, < 1 or junk → 10, above 2000 → 2000; any `sort` replaces the default sort.
 */
export function parsePageable(query: Request['query'], defaultSort: SortOrder[], defaultSize = 10): Pageable {
  const page = parseBounded(firstValue(query.page)) ?? 0;
  let size = parseBounded(firstValue(query.size)) ?? defaultSize;
  size = size < 1 ? defaultSize : Math.min(size, MAX_PAGE_SIZE);
  const requested = parseSort(allValues(query.sort));
  return { page, size, sort: requested.length > 0 ? requested : defaultSort };
}

export type SortValue = string | number | boolean | undefined;

/**
 * Sorts by the pageable's orders. `properties` maps each sortable entity property to its value; a property
 * the entity lacks fails as Spring Data JPA does (PropertyReferenceException, 500).
 */
export function sortItems<T>(
  items: T[],
  sort: SortOrder[],
  entityName: string,
  properties: Record<string, (item: T) => SortValue>,
): T[] {
  for (const order of sort) {
    if (!Object.hasOwn(properties, order.property)) {
      throw springErrors.propertyReference(order.property, entityName);
    }
  }
  if (sort.length === 0) {
    return items;
  }
  const compare = (a: T, b: T): number => {
    for (const order of sort) {
      const result = compareValues(properties[order.property](a), properties[order.property](b));
      if (result !== 0) {
        return order.direction === 'ASC' ? result : -result;
      }
    }
    return 0;
  };
  // Statuses are stored in id order, so the default `id,asc` usually needs no sort at all (O(n) check).
  if (items.every((item, i) => i === 0 || compare(items[i - 1], item) <= 0)) {
    return items;
  }
  return [...items].sort(compare);
}

/** PostgreSQL puts NULLs last in ascending order (and first in descending), as the IP's database does. */
function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) {
    return 0;
  }
  if (a === undefined) {
    return 1;
  }
  if (b === undefined) {
    return -1;
  }
  if (typeof a === 'number' && typeof b === 'number') {
    return a - b;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    return a ? 1 : -1;
  }
  return String(a) < String(b) ? -1 : 1;
}

function sortJson(sort: SortOrder[]): { empty: boolean; sorted: boolean; unsorted: boolean } {
  return { empty: sort.length === 0, sorted: sort.length > 0, unsorted: sort.length === 0 };
}

/** The classic Spring `PageImpl` JSON (the IP serialises pages directly, also in v4). */
export function toPage<T>(allSorted: T[], pageable: Pageable, render: (item: T) => unknown): Record<string, unknown> {
  const offset = pageable.page * pageable.size;
  const slice = allSorted.slice(offset, offset + pageable.size);
  const total = allSorted.length;
  const totalPages = Math.ceil(total / pageable.size);
  return {
    content: slice.map(render),
    pageable: {
      pageNumber: pageable.page,
      pageSize: pageable.size,
      sort: sortJson(pageable.sort),
      offset,
      paged: true,
      unpaged: false,
    },
    last: pageable.page + 1 >= totalPages,
    totalPages,
    totalElements: total,
    size: pageable.size,
    number: pageable.page,
    sort: sortJson(pageable.sort),
    first: pageable.page === 0,
    numberOfElements: slice.length,
    empty: slice.length === 0,
  };
}
