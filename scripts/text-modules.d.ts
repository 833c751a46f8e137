// Files imported as text (`with { type: "text" }`) and embedded by `bun build --compile`.
declare module "*.cmd" {
  const text: string;
  export default text;
}
declare module "*.sh" {
  const text: string;
  export default text;
}
