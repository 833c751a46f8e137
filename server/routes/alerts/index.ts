// Alerts: the list, acknowledging one, and silences of a host or a kind.

import { addSilence, listSilences, removeSilence } from "../../services/alert-silences.ts";
import { ackAlert, listAlerts } from "../../services/alerts.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";
import { actorOf } from "../params.ts";

const listAlertsRoute: RouteHandler<"listAlerts"> = (c, { query }) => ({
  alerts: listAlerts(c.get("fleet"), query.all === "1" || query.all === "true"),
});

const ackAlertRoute: RouteHandler<"ackAlert"> = async (c, { params }) => ({
  alert: await ackAlert(c.get("fleet"), params.id, actorOf(c)),
});

const listSilencesRoute: RouteHandler<"listSilences"> = (c) => ({ silences: listSilences(c.get("fleet")) });

const addSilenceRoute: RouteHandler<"addSilence"> = async (c, { body }) => ({
  silence: await addSilence(c.get("fleet"), body, actorOf(c)),
});

const removeSilenceRoute: RouteHandler<"removeSilence"> = async (c, { params }) => ({
  silence: await removeSilence(c.get("fleet"), params.id, actorOf(c)),
});

export const alertRoutes = {
  listAlerts: listAlertsRoute,
  ackAlert: ackAlertRoute,
  listSilences: listSilencesRoute,
  addSilence: addSilenceRoute,
  removeSilence: removeSilenceRoute,
} satisfies RouteHandlers;
