// Migrations imported as text (`with { type: "text" }`) and embedded in fleetd.
declare module "*.sql" {
  const text: string;
  export default text;
}
