export function search(q: string) {
  return query(q);
}
