// Unit and plist templates imported as text (`with { type: "text" }`) and embedded in fleetd.
declare module "*.service" {
  const text: string;
  export default text;
}
declare module "*.plist" {
  const text: string;
  export default text;
}
