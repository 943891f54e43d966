/** esbuild loads .css files as text (src/ui/build.ts); components adopt them with unsafeCSS. */
declare module '*.css' {
  const text: string;
  export default text;
}
