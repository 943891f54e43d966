/** The text fields of a submitted form, trimmed ('' for a missing field or a file). */
export function formFields(e: Event): (name: string) => string {
  const data = new FormData(e.target as HTMLFormElement);
  return (name) => {
    const value = data.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
}
