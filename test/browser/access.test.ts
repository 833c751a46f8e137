// A board behind a read token (fleetd serve --board-token): the page loads (it holds no data),
// asks for the token, and shows the fleet once given it, from the form or from a #token= link
// that never reaches the server. The badge takes the board token as ?token=.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { ensureBinaries, TestFleet, waitFor } from "../harness/index.ts";
import { launchBrowser } from "./browser.ts";

const BOARD_TOKEN = "wall-display-token-4f9a1c";
let fleet: TestFleet;
let browser: BrowserContext;

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries("1.0.0-test"), ["--board-token", BOARD_TOKEN]);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

test("without the token the page asks for it and shows no data; with it, the fleet", async () => {
  const page = await browser.newPage();
  await page.goto(fleet.url);
  await waitFor(() => page.locator("#token-section").isVisible(), { what: "the token form" });
  expect(await page.locator("#summary li").count()).toBe(0);
  await page.getByLabel("Token", { exact: true }).fill(BOARD_TOKEN);
  await page.getByRole("button", { name: "Show the board" }).click();
  await waitFor(async () => (await page.locator("#verdict").textContent()) === "No hosts enrolled yet.", {
    what: "the board after the token",
  });
  expect(await page.locator("#token-section").isHidden()).toBe(true);
  expect(await page.locator("#conn").isHidden()).toBe(true);
  await page.close();
}, 60_000);

test("a #token= link works and the token leaves the address bar; the badge takes ?token=", async () => {
  const page = await browser.newPage();
  const sent: string[] = [];
  page.on("request", (req) => sent.push(req.url()));
  await page.goto(`${fleet.url}/#token=${BOARD_TOKEN}`);
  await waitFor(async () => (await page.locator("#verdict").textContent()) === "No hosts enrolled yet.", {
    what: "the board from a #token= link",
  });
  expect(page.url()).not.toContain(BOARD_TOKEN);
  expect(sent.some((url) => url.includes(BOARD_TOKEN))).toBe(false);
  await page.close();
  expect((await fetch(`${fleet.url}/api/v1/board/badge.svg`)).status).toBe(401);
  const badge = await fetch(`${fleet.url}/api/v1/board/badge.svg?token=${BOARD_TOKEN}`);
  expect(badge.status).toBe(200);
  expect(await badge.text()).toContain("fleet: no hosts");
}, 60_000);
