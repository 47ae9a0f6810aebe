export function search(q: string, limit = 20) {
  return query(q, limit);
}
