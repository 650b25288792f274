import ProgramEvaluation

/// The OpenAPI 3 description of every endpoint, request, response, error
/// and the bearer security scheme, served at `/openapi.json`. Written by
/// hand next to the controllers; `OpenAPITests` check it against the
/// running service, and `Scripts/schemathesis.sh` fuzzes the service with it.
enum OpenAPIDocument {
    /// The document: the template below with the webhook event types and
    /// their deliveries (`x-webhooks`) filled in from ``WebhookEventType``, so
    /// a new type is documented where it is declared.
    static let json = template
        .replacingOccurrences(of: "X_EVENT_TYPES", with: list(WebhookEventType.allCases.map(\.rawValue)))
        .replacingOccurrences(of: "X_EVENT_PATTERNS", with: list(WebhookEventType.patterns))
        .replacingOccurrences(of: "X_URL_PATTERN", with: "\"" + WebhookSubscriptions.urlPattern.replacingOccurrences(of: "\\", with: "\\\\") + "\"")
        .replacingOccurrences(of: "X_WEBHOOKS", with: webhooks)

    private static func list(_ names: [String]) -> String { "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }

    /// Each event type as a delivery: a POST whose body is a `WebhookEvent` of that type with its data.
    static var webhooks: String {
        let entries = WebhookEventType.allCases.map { type in
            """
                "\(type.rawValue)": {
                  "post": {
                    "summary": "\(type.meaning)", "operationId": "webhook_\(type.rawValue.replacingOccurrences(of: ".", with: "_"))",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": {
                      "allOf": [ { "$ref": "#/components/schemas/WebhookEvent" } ],
                      "properties": { "type": { "type": "string", "enum": ["\(type.rawValue)"] }, "data": { "$ref": "#/components/schemas/\(dataSchema(type))" } } } } } },
                    "responses": { "200": { "description": "Any 2xx: delivered" } }
                  }
                }
            """
        }
        return "{\n" + entries.joined(separator: ",\n") + "\n  }"
    }

    /// The schema of each type's `data`.
    static func dataSchema(_ type: WebhookEventType) -> String {
        switch type {
        case .tierAssigned, .tierUpgraded, .tierDemoted: "TierEventData"
        case .reviewOpened: "ReviewOpenedData"
        case .reviewCleared: "ReviewClearedData"
        case .gateWarning, .gateLapsed, .gateRestored: "GateEventData"
        case .alertRaised, .alertEscalated: "AlertEventData"
        case .alertResolved: "AlertResolvedData"
        case .taskOpened, .taskAcknowledged, .taskDone, .taskDismissed, .taskClosed: "Task"
        case .activityIngested: "ActivityIngestedData"
        }
    }

    static let template = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Partnerscore scoring service",
    "version": "1.0.0",
    "description": "Partner data, evaluations, decisions, alerts and hot-reloaded Lua policies. Every endpoint but /health, /health/live, /health/ready and /openapi.json needs a bearer token (partnerscore token create); roles: viewer (reads) < operator (ingests, evaluates, acts on tasks) < designer (reloads policies, manages webhooks). Webhook deliveries and each event type's body are described under x-webhooks. /metrics needs a token unless the server runs with --public-metrics. Request and list fields are snake_case; the embedded `evaluation` and `summary` documents are the engine's own JSON (as `partnerscore explain --json` and the decision log hold them). Errors are always {\"error\": {\"code\", \"message\", \"field\"?, \"index\"?, \"file\"?, \"line\"?, \"hint\"?}}: the status follows the kind of failure (400 invalid, 404 not found, 409 conflict, 422 a policy refuses or fails, 503 retry later, 500 internal)."
  },
  "servers": [{ "url": "http://127.0.0.1:8080" }],
  "security": [{ "bearerAuth": [] }],
  "tags": [
    { "name": "partners" }, { "name": "activity" }, { "name": "evaluations" },
    { "name": "ledger" }, { "name": "tasks" }, { "name": "webhooks" }, { "name": "policies" }, { "name": "system" }
  ],
  "paths": {
    "/health": {
      "get": {
        "tags": ["system"], "operationId": "health", "summary": "Readiness, the served policy sets and the last reload error (as /health/ready)",
        "security": [],
        "responses": {
          "200": { "description": "Serving", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } },
          "503": { "description": "The database does not answer or no set is served", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } }
        }
      }
    },
    "/health/ready": {
      "get": {
        "tags": ["system"], "operationId": "healthReady", "summary": "Readiness: the database answers and a policy set is served (the same body as /health)",
        "security": [],
        "responses": {
          "200": { "description": "Ready to serve", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } },
          "503": { "description": "The database does not answer or no set is served", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } }
        }
      }
    },
    "/health/live": {
      "get": {
        "tags": ["system"], "operationId": "healthLive", "summary": "Liveness: the process answers (touches neither the database nor the policies)",
        "security": [],
        "responses": {
          "200": { "description": "Alive", "content": { "application/json": { "schema": {
            "type": "object", "required": ["ok"], "additionalProperties": false, "properties": { "ok": { "type": "boolean", "enum": [true] } } } } } }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "tags": ["system"], "operationId": "openapi", "summary": "This document",
        "security": [],
        "responses": {
          "200": { "description": "The OpenAPI document", "content": { "application/json": { "schema": { "type": "object" } } } }
        }
      }
    },
    "/metrics": {
      "get": {
        "tags": ["system"], "operationId": "metrics", "summary": "Prometheus metrics (text exposition format)",
        "description": "Request counts and latency histograms by route, method and status; evaluations and their duration; policy errors and reloads; ingested events. Needs a viewer token unless --public-metrics.",
        "responses": {
          "200": { "description": "Metrics", "content": { "text/plain": { "schema": { "type": "string" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/partners": {
      "get": {
        "tags": ["partners"], "operationId": "listPartners", "summary": "Partners in id order, with their current tier and standing",
        "description": "Role: viewer. Tier and standing are those the policy set governing the partner's program last recorded; standing and last_evaluated are absent for partners never evaluated.",
        "parameters": [
          { "name": "program", "in": "query", "schema": { "type": "string" }, "description": "Only partners of this program" },
          { "name": "tier", "in": "query", "schema": { "type": "string" }, "description": "Only partners holding this tier" },
          { "name": "standing", "in": "query", "schema": { "$ref": "#/components/schemas/Standing" } },
          { "$ref": "#/components/parameters/Limit" },
          { "name": "cursor", "in": "query", "schema": { "type": "string" }, "description": "next_cursor of the previous page" }
        ],
        "responses": {
          "200": { "description": "A page of partners", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PartnerList" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/partners/{id}": {
      "get": {
        "tags": ["partners"], "operationId": "getPartner", "summary": "One partner: tier, standing, health, gates, intervention and open alerts",
        "description": "Role: viewer. Health, gates and intervention come from the latest decision of the governing policy set; they are absent (gates empty) before the first recorded run.",
        "parameters": [ { "$ref": "#/components/parameters/PartnerID" } ],
        "responses": {
          "200": { "description": "The partner", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PartnerDetail" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/v1/partners/{id}/evaluation": {
      "get": {
        "tags": ["evaluations"], "operationId": "evaluatePartner", "summary": "Evaluate one partner now, as of a date, with an explanation (writes nothing)",
        "description": "Role: viewer. Runs the governing (or named) policy set on the partner's snapshot as of the date, from the state the ledger holds, on a pooled Lua state. 404 when there is no such evaluation: an unknown partner or set, a partner no (or not that) set governs (not_governed), or a date before the partner enrolled (not_enrolled).",
        "parameters": [
          { "$ref": "#/components/parameters/PartnerID" },
          { "name": "as_of", "in": "query", "schema": { "$ref": "#/components/schemas/InputDate" }, "description": "The evaluation date (default: today, UTC)" },
          { "name": "policy_set", "in": "query", "schema": { "type": "string" }, "description": "The set to use (default: the one governing the partner's program)" }
        ],
        "responses": {
          "200": { "description": "The evaluation", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LiveEvaluation" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "422": { "$ref": "#/components/responses/Unprocessable" }
        }
      }
    },
    "/v1/activity": {
      "post": {
        "tags": ["activity"], "operationId": "ingestActivity", "summary": "Add a batch of activity events, all or nothing",
        "description": "Role: operator. Each event is checked exactly as `partnerscore import` checks a JSON Lines record; the first bad one refuses the whole batch with a 400 naming its index and field (404 unknown_partner for a partner the store does not hold). With an Idempotency-Key, a repeat of the same body returns the stored response (header Idempotent-Replayed: true) and adds nothing; the same key with a different body is refused with 409. The batch is on disk when the 201 is sent.",
        "parameters": [
          { "name": "Idempotency-Key", "in": "header", "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" }, "description": "A unique key per batch (a UUID)" }
        ],
        "requestBody": {
          "required": true,
          "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ActivityBatch" },
            "example": { "events": [
              { "partner_id": "P0000001", "date": "2026-10-01", "kind": "login" },
              { "partner_id": "P0000001", "date": "2026-10-02", "kind": "revenue", "amount": 1250.5, "currency": "USD", "product": "voice" },
              { "partner_id": "P0000001", "date": "2026-10-03", "kind": "certification", "name": "Telecom Solutions Advisor", "expires": "2028-10-02" } ] } } }
        },
        "responses": {
          "201": { "description": "Stored (or replayed)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Ingested" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "409": { "$ref": "#/components/responses/Conflict" },
          "413": { "$ref": "#/components/responses/TooLarge" },
          "503": { "$ref": "#/components/responses/Busy" },
          "507": { "$ref": "#/components/responses/DiskFull" }
        }
      }
    },
    "/v1/runs": {
      "post": {
        "tags": ["evaluations"], "operationId": "createRun", "summary": "Evaluate a policy set's partners as of a date",
        "description": "Role: operator. Without dry_run the decisions, tier changes and alerts are recorded in one transaction, on disk when the 201 is sent; evaluations move forward in time, so an as_of not after the set's last recorded run is refused (409) unless dry_run. With dry_run nothing is written (200). A partner_ids entry the set's programs do not hold is a 404.",
        "requestBody": {
          "required": true,
          "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RunRequest" },
            "example": { "policy_set": "telecom", "as_of": "2026-10-31", "dry_run": true } } }
        },
        "responses": {
          "200": { "description": "Dry run", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RunResponse" } } } },
          "201": { "description": "Recorded run", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RunResponse" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "409": { "$ref": "#/components/responses/Conflict" },
          "413": { "$ref": "#/components/responses/TooLarge" },
          "422": { "$ref": "#/components/responses/Unprocessable" },
          "503": { "$ref": "#/components/responses/Busy" },
          "507": { "$ref": "#/components/responses/DiskFull" }
        }
      }
    },
    "/v1/decisions": {
      "get": {
        "tags": ["ledger"], "operationId": "listDecisions", "summary": "The decision log, newest first",
        "description": "Role: viewer.",
        "parameters": [
          { "name": "partner", "in": "query", "schema": { "type": "string" }, "description": "A partner id" },
          { "name": "policy_set", "in": "query", "schema": { "type": "string" } },
          { "name": "tier_event", "in": "query", "schema": { "$ref": "#/components/schemas/TierEvent" } },
          { "name": "from", "in": "query", "schema": { "$ref": "#/components/schemas/InputDate" }, "description": "As-of on or after" },
          { "name": "to", "in": "query", "schema": { "$ref": "#/components/schemas/InputDate" }, "description": "As-of on or before (before `from`: an empty range)" },
          { "$ref": "#/components/parameters/Limit" },
          { "$ref": "#/components/parameters/IDCursor" }
        ],
        "responses": {
          "200": { "description": "A page of decisions", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DecisionList" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/incentives": {
      "get": {
        "tags": ["ledger"], "operationId": "listIncentiveLines", "summary": "The incentive ledger's lines, newest first",
        "description": "Role: viewer. What incentive rules paid, as accrual and true-up lines per partner, rule and payment period (docs/policies.md, Incentives). Amounts, bases and rates are exact decimal text.",
        "parameters": [
          { "name": "partner", "in": "query", "schema": { "type": "string" }, "description": "A partner id" },
          { "name": "policy_set", "in": "query", "schema": { "type": "string" } },
          { "name": "period", "in": "query", "schema": { "type": "string" }, "description": "A payment period: 2026-10, 2026-Q4, 2026, FY2027-Q1" },
          { "$ref": "#/components/parameters/Limit" },
          { "$ref": "#/components/parameters/IDCursor" }
        ],
        "responses": {
          "200": { "description": "A page of incentive lines", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IncentiveLineList" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/partners/{id}/incentives": {
      "get": {
        "tags": ["ledger"], "operationId": "listPartnerIncentiveLines", "summary": "One partner's incentive lines, newest first",
        "description": "Role: viewer.",
        "parameters": [
          { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
          { "name": "policy_set", "in": "query", "schema": { "type": "string" } },
          { "name": "period", "in": "query", "schema": { "type": "string" }, "description": "A payment period: 2026-10, 2026-Q4, 2026, FY2027-Q1" },
          { "$ref": "#/components/parameters/Limit" },
          { "$ref": "#/components/parameters/IDCursor" }
        ],
        "responses": {
          "200": { "description": "A page of the partner's incentive lines", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IncentiveLineList" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/v1/alerts": {
      "get": {
        "tags": ["ledger"], "operationId": "listAlerts", "summary": "Open and resolved alerts, newest first",
        "description": "Role: viewer.",
        "parameters": [
          { "name": "partner", "in": "query", "schema": { "type": "string" }, "description": "A partner id" },
          { "name": "policy_set", "in": "query", "schema": { "type": "string" } },
          { "name": "kind", "in": "query", "schema": { "$ref": "#/components/schemas/AlertKind" } },
          { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["open", "resolved"] } },
          { "$ref": "#/components/parameters/Limit" },
          { "$ref": "#/components/parameters/IDCursor" }
        ],
        "responses": {
          "200": { "description": "A page of alerts", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AlertList" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/policies": {
      "get": {
        "tags": ["policies"], "operationId": "listPolicySets", "summary": "The served policy sets: programs, policy versions, content hash, reload errors",
        "description": "Role: viewer.",
        "responses": {
          "200": { "description": "The sets", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PolicySetList" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/policies/reload": {
      "post": {
        "tags": ["policies"], "operationId": "reloadPolicies", "summary": "Load and validate every set now; swap in the changed ones",
        "description": "Role: designer. A new version of a set serves only once it loads and validates, passes the set's fixtures and evaluates a sample of up to 32 stored partners under its limits; otherwise the set keeps serving its previous version and the 422 names the policy file and line (or the failing fixture case). Any body is ignored, but one over the size limit is refused (413), chunked or not.",
        "responses": {
          "200": { "description": "Every set loaded", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReloadResult" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "413": { "$ref": "#/components/responses/TooLarge" },
          "422": { "$ref": "#/components/responses/Unprocessable" }
        }
      }
    },
    "/v1/tasks": {
      "get": {
        "tags": ["tasks"], "operationId": "listTasks", "summary": "Interventions as tasks, newest first",
        "description": "Role: viewer. A recorded run opens a task when a step of a policy's intervention menu comes to apply to a partner's alert: assigned to the partner's channel account manager for a CAM step, to the step's queue (its owner's name by default) otherwise. The run closes a task (status closed, outcome resolved, escalated or superseded) when its alert resolves or moves to another step.",
        "parameters": [
          { "name": "partner", "in": "query", "schema": { "type": "string" }, "description": "A partner id" },
          { "name": "assignee", "in": "query", "schema": { "type": "string" }, "description": "A channel account manager or a queue" },
          { "name": "status", "in": "query", "schema": { "$ref": "#/components/schemas/TaskStatus" } },
          { "name": "policy_set", "in": "query", "schema": { "type": "string" } },
          { "$ref": "#/components/parameters/Limit" },
          { "$ref": "#/components/parameters/IDCursor" }
        ],
        "responses": {
          "200": { "description": "A page of tasks", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TaskList" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/tasks/{id}": {
      "get": {
        "tags": ["tasks"], "operationId": "getTask", "summary": "One task",
        "description": "Role: viewer.",
        "parameters": [ { "$ref": "#/components/parameters/TaskID" } ],
        "responses": {
          "200": { "description": "The task", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Task" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/v1/tasks/{id}/ack": {
      "post": {
        "tags": ["tasks"], "operationId": "acknowledgeTask", "summary": "Acknowledge an open task: someone is on it",
        "description": "Role: operator. While the task is acknowledged, a menu step declaring `pause` holds its alert at that step until the acknowledgement day plus the pause. The body may be left out: the day is then the request's day (UTC). Writes a task.acknowledged event.",
        "parameters": [ { "$ref": "#/components/parameters/TaskID" } ],
        "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TaskAction" } } } },
        "responses": {
          "200": { "description": "The task, acknowledged", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Task" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "409": { "$ref": "#/components/responses/TaskNotActive" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    },
    "/v1/tasks/{id}/done": {
      "post": {
        "tags": ["tasks"], "operationId": "completeTask", "summary": "Record that an open or acknowledged task was done, with its outcome",
        "description": "Role: operator. Writes a task.done event.",
        "parameters": [ { "$ref": "#/components/parameters/TaskID" } ],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TaskDone" } } } },
        "responses": {
          "200": { "description": "The task, done", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Task" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "409": { "$ref": "#/components/responses/TaskNotActive" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    },
    "/v1/tasks/{id}/dismiss": {
      "post": {
        "tags": ["tasks"], "operationId": "dismissTask", "summary": "Dismiss an open or acknowledged task",
        "description": "Role: operator. The body may be left out. Writes a task.dismissed event.",
        "parameters": [ { "$ref": "#/components/parameters/TaskID" } ],
        "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TaskAction" } } } },
        "responses": {
          "200": { "description": "The task, dismissed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Task" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "409": { "$ref": "#/components/responses/TaskNotActive" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    },
    "/v1/webhooks": {
      "get": {
        "tags": ["webhooks"], "operationId": "listWebhooks", "summary": "The webhook subscriptions and how far delivery got (never their secrets)",
        "description": "Role: designer.",
        "responses": {
          "200": { "description": "The subscriptions", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookList" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" }
        }
      },
      "post": {
        "tags": ["webhooks"], "operationId": "createWebhook", "summary": "Subscribe a URL to events; the secret is shown only in this response",
        "description": "Role: designer. The subscription receives the events recorded from now on (replay sends earlier ones). Events are written to the outbox only while at least one subscription exists. The event types and each one's data are described under x-webhooks.",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookCreate" } } } },
        "responses": {
          "201": { "description": "Subscribed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookCreated" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    },
    "/v1/webhooks/{id}": {
      "get": {
        "tags": ["webhooks"], "operationId": "getWebhook", "summary": "One subscription",
        "description": "Role: designer.",
        "parameters": [ { "$ref": "#/components/parameters/WebhookID" } ],
        "responses": {
          "200": { "description": "The subscription", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookSubscription" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      },
      "delete": {
        "tags": ["webhooks"], "operationId": "deleteWebhook", "summary": "Stop delivering to a subscription",
        "description": "Role: designer.",
        "parameters": [ { "$ref": "#/components/parameters/WebhookID" } ],
        "responses": {
          "204": { "description": "Removed" },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      }
    },
    "/v1/webhooks/{id}/replay": {
      "post": {
        "tags": ["webhooks"], "operationId": "replayWebhook", "summary": "Deliver events again, in order, from an event on",
        "description": "Role: designer. `from`: that event and every later one; `since`: from the first event about that day or a later one. Dead letters from there on are cleared.",
        "parameters": [ { "$ref": "#/components/parameters/WebhookID" } ],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookReplay" } } } },
        "responses": {
          "200": { "description": "The subscription, moved back", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookSubscription" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearerAuth": { "type": "http", "scheme": "bearer", "description": "A token from `partnerscore token create --role viewer|operator|designer`" }
    },
    "parameters": {
      "PartnerID": { "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The partner id" },
      "Limit": { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 100 }, "description": "Page size" },
      "TaskID": { "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[1-9][0-9]{0,17}$" }, "description": "The task id (a whole number, 1 or more)" },
      "WebhookID": { "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[1-9][0-9]{0,17}$" }, "description": "The subscription id (a whole number, 1 or more)" },
      "IDCursor": { "name": "cursor", "in": "query", "schema": { "type": "string", "pattern": "^[1-9][0-9]{0,17}$" }, "description": "next_cursor of the previous page" }
    },
    "responses": {
      "BadRequest": { "description": "A field of the request is missing or wrong (error.field names it)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unauthorized": { "description": "No bearer token, or an unknown or revoked one", "headers": { "WWW-Authenticate": { "schema": { "type": "string" } } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Forbidden": { "description": "The token's role is too low for this endpoint", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "NotFound": { "description": "No such partner or policy set", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Conflict": { "description": "The request conflicts with what is stored: an as_of not after the set's last recorded run, an Idempotency-Key used before with another body", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "TaskNotActive": { "description": "The task is done, dismissed or closed (or, to acknowledge, already acknowledged): task_not_active; or `on` is before the task was opened (or acknowledged): day_before_task", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "TooLarge": { "description": "The body is over the size limit", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unprocessable": { "description": "Understood but refused: a policy failed (file and line given)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Busy": { "description": "Another process (an import, a run) held the database's write lock for the whole busy timeout; nothing was written. Retry after Retry-After seconds.", "headers": { "Retry-After": { "schema": { "type": "integer", "minimum": 1 } } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "DiskFull": { "description": "The server's disk is full; nothing was written", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"], "additionalProperties": false,
        "properties": {
          "error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": false,
            "properties": {
              "code": { "type": "string", "description": "invalid_field, invalid_event, bad_request, unauthorized, invalid_token, forbidden, not_found, unknown_partner, not_governed, not_enrolled, method_not_allowed, not_forward, policy_changed, separate_history, idempotency_key_reused, task_not_active, day_before_task, body_too_large, policy_error, policy_invalid, unknown_tier, database_busy, disk_full, internal" },
              "message": { "type": "string", "description": "What went wrong, where and (when known) what to do, in words" },
              "field": { "type": "string", "description": "The request field at fault (limit, as_of, events[3].date, Idempotency-Key), or the policy field of a policy error" },
              "index": { "type": "integer", "description": "The 0-based index of the bad element of a batch (3 for events[3])" },
              "file": { "type": "string", "description": "The policy file of a policy error" },
              "line": { "type": "integer", "description": "Its line" },
              "hint": { "type": "string", "description": "What to do about it (also at the end of message)" }
            }
          }
        }
      },
      "Date": { "type": "string", "format": "date", "example": "2026-10-31" },
      "InputDate": { "type": "string", "format": "date", "pattern": "^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "example": "2026-10-31",
        "description": "A day from 1900-01-01 to 2999-12-31 (the dates the service accepts)" },
      "OptionalInputDate": { "nullable": true, "anyOf": [{ "$ref": "#/components/schemas/InputDate" }, { "type": "string", "maxLength": 0 }],
        "description": "An InputDate; null or empty for none" },
      "Text": { "type": "string", "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFEFF]*$",
        "description": "Text without control characters (tab and line breaks allowed) or byte order marks" },
      "RequiredText": { "type": "string", "minLength": 1, "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFEFF]*$" },
      "OptionalText": { "type": "string", "nullable": true, "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFEFF]*$",
        "description": "Text; null or empty for none" },
      "Amount": { "type": "number", "minimum": 0, "maximum": 1e15 },
      "OptionalAmount": { "type": "number", "minimum": 0, "maximum": 1e15, "nullable": true },
      "Standing": { "type": "string", "enum": ["good", "review", "none"] },
      "TierEvent": { "type": "string", "enum": ["not_due", "unchanged", "assigned", "upgraded", "review_opened", "review_continues", "review_cleared", "demoted"] },
      "AlertKind": { "type": "string", "enum": ["milestone_overdue", "tier_review", "gate_warning", "gate_lapsed", "health_red", "policy_flag"] },
      "GateStatus": { "type": "string", "enum": ["ok", "warning", "lapsed", "not_applicable"] },
      "StringList": { "type": "array", "items": { "type": "string" } },
      "Health": {
        "type": "object", "required": ["ok", "database", "policy_sets", "last_reload_error"], "additionalProperties": false,
        "properties": {
          "ok": { "type": "boolean" },
          "database": { "type": "string", "enum": ["ok", "unavailable"] },
          "policy_sets": { "type": "array", "items": {
            "type": "object", "required": ["name", "content_hash", "loaded_at"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "content_hash": { "type": "string" }, "loaded_at": { "type": "string", "format": "date-time" } } } },
          "last_reload_error": { "allOf": [{ "$ref": "#/components/schemas/ReloadError" }], "nullable": true }
        }
      },
      "PartnerSummary": {
        "type": "object", "required": ["id", "name", "type", "program", "region", "country", "status", "enrolled"], "additionalProperties": false,
        "properties": {
          "id": { "type": "string" }, "name": { "type": "string" },
          "type": { "type": "string", "enum": ["reseller", "distributor", "msp", "isv", "si", "referral", "agent", "alliance"] },
          "program": { "type": "string" }, "region": { "type": "string" }, "country": { "type": "string" },
          "status": { "type": "string", "enum": ["active", "suspended", "terminated"] },
          "enrolled": { "$ref": "#/components/schemas/Date" },
          "tier": { "type": "string" }, "tier_since": { "$ref": "#/components/schemas/Date" },
          "policy_set": { "type": "string", "description": "The set whose state is shown" },
          "standing": { "$ref": "#/components/schemas/Standing" },
          "last_evaluated": { "$ref": "#/components/schemas/Date" }
        }
      },
      "PartnerList": {
        "type": "object", "required": ["partners"], "additionalProperties": false,
        "properties": {
          "partners": { "type": "array", "items": { "$ref": "#/components/schemas/PartnerSummary" } },
          "next_cursor": { "type": "string", "description": "Present when there are more" }
        }
      },
      "PartnerDetail": {
        "type": "object", "required": ["partner", "territories", "products", "channel_account_manager", "gates", "open_alerts"], "additionalProperties": false,
        "properties": {
          "partner": { "$ref": "#/components/schemas/PartnerSummary" },
          "territories": { "$ref": "#/components/schemas/StringList" },
          "products": { "$ref": "#/components/schemas/StringList", "description": "The partner's product list (empty: every product)" },
          "authorized_products": { "$ref": "#/components/schemas/StringList", "description": "From the latest decision: the products it may sell now (empty when authorized_all_products)" },
          "authorized_all_products": { "type": "boolean", "description": "From the latest decision: it may sell every product but its gates' suspended_products" },
          "channel_account_manager": { "type": "string" },
          "review": { "$ref": "#/components/schemas/TierReview" },
          "health": { "$ref": "#/components/schemas/HealthResult" },
          "gates": { "type": "array", "items": {
            "type": "object", "required": ["gate", "requirement", "status", "suspended_products", "suspended_benefits"], "additionalProperties": false,
            "properties": {
              "gate": { "type": "string" }, "requirement": { "type": "string" }, "status": { "$ref": "#/components/schemas/GateStatus" },
              "expires": { "$ref": "#/components/schemas/Date" }, "days_to_expiry": { "type": "integer" },
              "suspended_products": { "$ref": "#/components/schemas/StringList" }, "suspended_benefits": { "$ref": "#/components/schemas/StringList" } } } },
          "intervention": { "$ref": "#/components/schemas/InterventionChoice" },
          "open_alerts": { "type": "array", "items": { "$ref": "#/components/schemas/Alert" } },
          "latest_decision": { "$ref": "#/components/schemas/Decision" }
        }
      },
      "Event": {
        "description": "An event as in an events import file, checked as `partnerscore import` checks a JSON Lines record: each kind needs the fields its variant requires; every field given is checked (text without control characters, amounts numbers >= 0, dates from 1900-01-01 to 2999-12-31), and those the kind does not use are then ignored; null or an empty string is no value.",
        "oneOf": [
        {
          "type": "object", "required": ["partner_id", "date", "kind", "amount", "currency", "product"], "additionalProperties": false, "description": "revenue: amount, currency, product",
          "properties": {
            "partner_id": { "$ref": "#/components/schemas/RequiredText" },
            "date": { "$ref": "#/components/schemas/InputDate" },
            "kind": { "type": "string", "enum": ["revenue"] },
            "amount": { "$ref": "#/components/schemas/Amount" },
            "currency": { "$ref": "#/components/schemas/RequiredText" },
            "product": { "$ref": "#/components/schemas/RequiredText" },
            "territory": { "$ref": "#/components/schemas/OptionalText" },
            "name": { "$ref": "#/components/schemas/OptionalText" },
            "value": { "nullable": true, "anyOf": [{ "type": "number", "maximum": 1e308, "minimum": -1e308 }, { "$ref": "#/components/schemas/OptionalText" }] },
            "expires": { "$ref": "#/components/schemas/OptionalInputDate" }
          }
        },
        {
          "type": "object", "required": ["partner_id", "date", "kind", "amount", "product", "territory"], "additionalProperties": false, "description": "deal_registered: amount, product, territory",
          "properties": {
            "partner_id": { "$ref": "#/components/schemas/RequiredText" },
            "date": { "$ref": "#/components/schemas/InputDate" },
            "kind": { "type": "string", "enum": ["deal_registered"] },
            "amount": { "$ref": "#/components/schemas/Amount" },
            "currency": { "$ref": "#/components/schemas/OptionalText" },
            "product": { "$ref": "#/components/schemas/RequiredText" },
            "territory": { "$ref": "#/components/schemas/RequiredText" },
            "name": { "$ref": "#/components/schemas/OptionalText" },
            "value": { "nullable": true, "anyOf": [{ "type": "number", "maximum": 1e308, "minimum": -1e308 }, { "$ref": "#/components/schemas/OptionalText" }] },
            "expires": { "$ref": "#/components/schemas/OptionalInputDate" }
          }
        },
        {
          "type": "object", "required": ["partner_id", "date", "kind", "amount"], "additionalProperties": false, "description": "deal_won, deal_lost: amount",
          "properties": {
            "partner_id": { "$ref": "#/components/schemas/RequiredText" },
            "date": { "$ref": "#/components/schemas/InputDate" },
            "kind": { "type": "string", "enum": ["deal_won", "deal_lost"] },
            "amount": { "$ref": "#/components/schemas/Amount" },
            "currency": { "$ref": "#/components/schemas/OptionalText" },
            "product": { "$ref": "#/components/schemas/OptionalText" },
            "territory": { "$ref": "#/components/schemas/OptionalText" },
            "name": { "$ref": "#/components/schemas/OptionalText" },
            "value": { "nullable": true, "anyOf": [{ "type": "number", "maximum": 1e308, "minimum": -1e308 }, { "$ref": "#/components/schemas/OptionalText" }] },
            "expires": { "$ref": "#/components/schemas/OptionalInputDate" }
          }
        },
        {
          "type": "object", "required": ["partner_id", "date", "kind", "name"], "additionalProperties": false, "description": "certification, credential (expires optional), training: name",
          "properties": {
            "partner_id": { "$ref": "#/components/schemas/RequiredText" },
            "date": { "$ref": "#/components/schemas/InputDate" },
            "kind": { "type": "string", "enum": ["certification", "credential", "training"] },
            "amount": { "$ref": "#/components/schemas/OptionalAmount" },
            "currency": { "$ref": "#/components/schemas/OptionalText" },
            "product": { "$ref": "#/components/schemas/OptionalText" },
            "territory": { "$ref": "#/components/schemas/OptionalText" },
            "name": { "$ref": "#/components/schemas/RequiredText" },
            "value": { "nullable": true, "anyOf": [{ "type": "number", "maximum": 1e308, "minimum": -1e308 }, { "$ref": "#/components/schemas/OptionalText" }] },
            "expires": { "$ref": "#/components/schemas/OptionalInputDate" }
          }
        },
        {
          "type": "object", "required": ["partner_id", "date", "kind"], "additionalProperties": false, "description": "login",
          "properties": {
            "partner_id": { "$ref": "#/components/schemas/RequiredText" },
            "date": { "$ref": "#/components/schemas/InputDate" },
            "kind": { "type": "string", "enum": ["login"] },
            "amount": { "$ref": "#/components/schemas/OptionalAmount" },
            "currency": { "$ref": "#/components/schemas/OptionalText" },
            "product": { "$ref": "#/components/schemas/OptionalText" },
            "territory": { "$ref": "#/components/schemas/OptionalText" },
            "name": { "$ref": "#/components/schemas/OptionalText" },
            "value": { "nullable": true, "anyOf": [{ "type": "number", "maximum": 1e308, "minimum": -1e308 }, { "$ref": "#/components/schemas/OptionalText" }] },
            "expires": { "$ref": "#/components/schemas/OptionalInputDate" }
          }
        },
        {
          "type": "object", "required": ["partner_id", "date", "kind", "name", "value"], "additionalProperties": false, "description": "attribute: name and value (a number, or text, which is a number when it reads as one)",
          "properties": {
            "partner_id": { "$ref": "#/components/schemas/RequiredText" },
            "date": { "$ref": "#/components/schemas/InputDate" },
            "kind": { "type": "string", "enum": ["attribute"] },
            "amount": { "$ref": "#/components/schemas/OptionalAmount" },
            "currency": { "$ref": "#/components/schemas/OptionalText" },
            "product": { "$ref": "#/components/schemas/OptionalText" },
            "territory": { "$ref": "#/components/schemas/OptionalText" },
            "name": { "$ref": "#/components/schemas/RequiredText" },
            "value": { "anyOf": [{ "type": "number", "maximum": 1e308, "minimum": -1e308 }, { "$ref": "#/components/schemas/RequiredText" }] },
            "expires": { "$ref": "#/components/schemas/OptionalInputDate" }
          }
        }
        ]
      },
      "ActivityBatch": {
        "type": "object", "required": ["events"], "additionalProperties": false,
        "properties": { "events": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/Event" } } }
      },
      "Ingested": {
        "type": "object", "required": ["ingested"], "additionalProperties": false,
        "properties": { "ingested": { "type": "integer", "minimum": 1 }, "idempotency_key": { "type": "string" } }
      },
      "RunRequest": {
        "type": "object", "required": ["policy_set", "as_of"],
        "properties": {
          "policy_set": { "type": "string", "minLength": 1 },
          "as_of": { "$ref": "#/components/schemas/InputDate" },
          "dry_run": { "type": "boolean", "default": false, "nullable": true },
          "partner_ids": { "type": "array", "minItems": 1, "maxItems": 10000, "uniqueItems": true, "items": { "type": "string" }, "nullable": true }
        }
      },
      "RunResponse": {
        "type": "object", "required": ["summary"], "additionalProperties": false,
        "properties": { "summary": { "$ref": "#/components/schemas/RunSummary" } }
      },
      "CountMap": { "type": "object", "additionalProperties": { "type": "integer" } },
      "RunSummary": {
        "type": "object",
        "required": ["policy_set", "as_of", "content_hash", "dry_run", "partners", "tiers_due", "tier_events", "tier_distribution", "health_bands", "gates_tripped", "gates_restored", "gate_warnings", "alerts_by_step", "alerts_by_kind", "alerts_resolved"],
        "additionalProperties": false,
        "properties": {
          "policy_set": { "type": "string" }, "as_of": { "$ref": "#/components/schemas/Date" }, "content_hash": { "type": "string" },
          "dry_run": { "type": "boolean" }, "run_id": { "type": "integer", "description": "The ledger's run (recorded runs only)" },
          "partners": { "type": "integer" }, "tiers_due": { "type": "integer" },
          "tier_events": { "$ref": "#/components/schemas/CountMap" }, "tier_distribution": { "$ref": "#/components/schemas/CountMap" },
          "health_bands": { "$ref": "#/components/schemas/CountMap" },
          "gates_tripped": { "type": "integer" }, "gates_restored": { "type": "integer" }, "gate_warnings": { "type": "integer" },
          "alerts_by_step": { "$ref": "#/components/schemas/CountMap" }, "alerts_by_kind": { "$ref": "#/components/schemas/CountMap" },
          "alerts_resolved": { "type": "integer" }
        }
      },
      "LiveEvaluation": {
        "type": "object", "required": ["policy_set", "as_of", "evaluation", "explanation"], "additionalProperties": false,
        "properties": {
          "policy_set": { "type": "string" }, "as_of": { "$ref": "#/components/schemas/Date" },
          "evaluation": { "$ref": "#/components/schemas/PartnerEvaluation" },
          "explanation": { "type": "string", "description": "The evaluation in words (as partnerscore explain prints it)" }
        }
      },
      "TierReview": {
        "type": "object", "required": ["tier", "opened", "deadline"], "additionalProperties": false,
        "properties": { "tier": { "type": "string" }, "opened": { "$ref": "#/components/schemas/Date" }, "deadline": { "$ref": "#/components/schemas/Date" } }
      },
      "HealthResult": {
        "type": "object", "required": ["score", "band", "components"], "additionalProperties": false,
        "properties": {
          "score": { "type": "number" }, "band": { "type": "string" },
          "components": { "type": "array", "items": {
            "type": "object", "required": ["name", "weight", "score", "contribution", "observed", "target"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "weight": { "type": "number" }, "score": { "type": "number" },
              "contribution": { "type": "number" }, "observed": { "type": "string" }, "target": { "type": "string" } } } }
        }
      },
      "InterventionChoice": {
        "type": "object", "required": ["alert", "step", "action"], "additionalProperties": false,
        "properties": { "alert": { "type": "string" }, "step": { "type": "integer" }, "action": { "type": "string" }, "owner": { "type": "string" } }
      },
      "PartnerEvaluation": {
        "type": "object",
        "required": ["partner_id", "partner_name", "program", "as_of", "policy", "tier_due", "previous_standing", "standing", "tier_event", "criteria", "health", "milestones", "gates", "alerts", "resolved_alerts", "benefits", "suspended_benefits", "authorized_products", "authorized_all_products", "suspended_products", "snapshot_hash"],
        "additionalProperties": false,
        "properties": {
          "partner_id": { "type": "string" }, "partner_name": { "type": "string" }, "program": { "type": "string" },
          "as_of": { "$ref": "#/components/schemas/Date" },
          "policy": { "type": "object", "required": ["name", "version", "content_hash", "file"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "version": { "type": "string" }, "content_hash": { "type": "string" }, "file": { "type": "string" } } },
          "tier_due": { "type": "boolean" },
          "previous_tier": { "type": "string" }, "tier": { "type": "string" },
          "previous_standing": { "$ref": "#/components/schemas/Standing" }, "standing": { "$ref": "#/components/schemas/Standing" },
          "tier_event": { "$ref": "#/components/schemas/TierEvent" },
          "review": { "$ref": "#/components/schemas/TierReview" },
          "qualifies_for": { "type": "string" },
          "criteria": { "type": "array", "items": {
            "type": "object", "required": ["tier", "phase", "label", "observed", "required", "passed", "file"], "additionalProperties": false,
            "properties": { "tier": { "type": "string" }, "phase": { "type": "string", "enum": ["entry", "maintain"] }, "label": { "type": "string" },
              "observed": { "type": "string" }, "observed_value": { "type": "number" }, "required": { "type": "string" },
              "threshold_value": { "type": "number" }, "passed": { "type": "boolean" }, "file": { "type": "string" }, "line": { "type": "integer" } } } },
          "health": { "$ref": "#/components/schemas/HealthResult" },
          "milestones": { "type": "array", "items": {
            "type": "object", "required": ["milestone", "deadline", "status", "days"], "additionalProperties": false,
            "properties": { "milestone": { "type": "string", "enum": ["first_login", "first_training", "first_deal_registration", "first_deal_won", "first_tier_qualification", "first_tier_advancement"] },
              "deadline": { "$ref": "#/components/schemas/Date" }, "reached": { "$ref": "#/components/schemas/Date" },
              "status": { "type": "string", "enum": ["met_on_time", "met_late", "overdue", "pending"] }, "days": { "type": "integer" } } } },
          "gates": { "type": "array", "items": {
            "type": "object", "required": ["gate", "requirement", "status", "event", "suspended_products", "suspended_benefits"], "additionalProperties": false,
            "properties": { "gate": { "type": "string" }, "requirement": { "type": "string" }, "status": { "$ref": "#/components/schemas/GateStatus" },
              "previous": { "$ref": "#/components/schemas/GateStatus" }, "event": { "type": "string", "enum": ["none", "warned", "tripped", "restored"] },
              "expires": { "$ref": "#/components/schemas/Date" }, "days_to_expiry": { "type": "integer" },
              "suspended_products": { "$ref": "#/components/schemas/StringList" }, "suspended_benefits": { "$ref": "#/components/schemas/StringList" } } } },
          "alerts": { "type": "array", "items": {
            "type": "object", "required": ["key", "first_raised", "days_open", "step"], "additionalProperties": false,
            "properties": { "key": { "type": "string", "description": "kind:subject" }, "first_raised": { "$ref": "#/components/schemas/Date" },
              "days_open": { "type": "integer" }, "step": { "type": "integer" }, "intervention": { "type": "string" }, "owner": { "type": "string" } } } },
          "resolved_alerts": { "$ref": "#/components/schemas/StringList" },
          "intervention": { "$ref": "#/components/schemas/InterventionChoice" },
          "benefits": { "type": "object", "description": "Benefit name → its value (a number, text or flag)",
            "additionalProperties": { "anyOf": [ { "type": "number" }, { "type": "string" }, { "type": "boolean" } ] } },
          "suspended_benefits": { "$ref": "#/components/schemas/StringList" },
          "authorized_products": { "$ref": "#/components/schemas/StringList", "description": "The products the partner may sell now: its product list less the suspended products (empty when authorized_all_products)" },
          "authorized_all_products": { "type": "boolean", "description": "The partner's product list is empty, which authorizes every product: it may sell every product but suspended_products" },
          "suspended_products": { "$ref": "#/components/schemas/StringList" },
          "snapshot_hash": { "type": "string" }
        }
      },
      "Decision": {
        "type": "object", "additionalProperties": false,
        "required": ["id", "run_id", "partner_id", "policy_set", "as_of", "policy", "previous_standing", "standing", "tier_event", "health_score", "health_band", "snapshot_hash"],
        "properties": {
          "id": { "type": "integer" }, "run_id": { "type": "integer" }, "partner_id": { "type": "string" }, "policy_set": { "type": "string" },
          "as_of": { "$ref": "#/components/schemas/Date" },
          "policy": { "type": "object", "required": ["name", "version", "content_hash"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "version": { "type": "string" }, "content_hash": { "type": "string" } } },
          "previous_tier": { "type": "string" }, "tier": { "type": "string" },
          "previous_standing": { "$ref": "#/components/schemas/Standing" }, "standing": { "$ref": "#/components/schemas/Standing" },
          "tier_event": { "$ref": "#/components/schemas/TierEvent" },
          "health_score": { "type": "number" }, "health_band": { "type": "string" },
          "intervention": { "type": "string" }, "snapshot_hash": { "type": "string" }
        }
      },
      "IncentiveLine": {
        "type": "object", "additionalProperties": false,
        "required": ["id", "run_id", "policy_set", "partner_id", "partner_name", "program", "rule", "line", "posting", "period", "period_start",
                     "period_end", "as_of", "basis", "basis_total", "basis_excluded", "rate", "amount", "currency", "detail"],
        "properties": {
          "id": { "type": "integer" }, "run_id": { "type": "integer" }, "policy_set": { "type": "string" },
          "partner_id": { "type": "string" }, "partner_name": { "type": "string" }, "program": { "type": "string" },
          "rule": { "type": "string" },
          "line": { "type": "string", "enum": ["commission", "rebate", "growth_rebate", "mdf", "spiff"] },
          "posting": { "type": "string", "enum": ["accrual", "true_up"] },
          "period": { "type": "string" }, "period_start": { "$ref": "#/components/schemas/Date" }, "period_end": { "$ref": "#/components/schemas/Date" },
          "as_of": { "$ref": "#/components/schemas/Date" },
          "basis": { "type": "string", "description": "The basis of this line, an exact decimal (a true-up: 0)" },
          "basis_total": { "type": "string", "description": "The period's cumulative basis that accrued" },
          "basis_excluded": { "type": "string", "description": "The period's basis a suspended benefit kept from accruing" },
          "rate": { "type": "string", "description": "The rate (0.12), a SPIFF's amount per event (500 per deal_won), or none" },
          "amount": { "type": "string", "description": "Two decimals, exactly" },
          "currency": { "type": "string" },
          "detail": { "type": "string", "description": "JSON text: tier, accelerators, cap, capped, suspended, excluded, basis_last_year" }
        }
      },
      "IncentiveLineList": {
        "type": "object", "required": ["lines"], "additionalProperties": false,
        "properties": { "lines": { "type": "array", "items": { "$ref": "#/components/schemas/IncentiveLine" } }, "next_cursor": { "type": "string" } }
      },
      "DecisionList": {
        "type": "object", "required": ["decisions"], "additionalProperties": false,
        "properties": { "decisions": { "type": "array", "items": { "$ref": "#/components/schemas/Decision" } }, "next_cursor": { "type": "string" } }
      },
      "Alert": {
        "type": "object", "additionalProperties": false,
        "required": ["id", "partner_id", "policy_set", "kind", "subject", "status", "first_raised", "last_seen", "step"],
        "properties": {
          "id": { "type": "integer" }, "partner_id": { "type": "string" }, "policy_set": { "type": "string" },
          "kind": { "$ref": "#/components/schemas/AlertKind" }, "subject": { "type": "string" },
          "status": { "type": "string", "enum": ["open", "resolved"] },
          "first_raised": { "$ref": "#/components/schemas/Date" }, "last_seen": { "$ref": "#/components/schemas/Date" },
          "resolved": { "$ref": "#/components/schemas/Date" },
          "step": { "type": "integer" }, "intervention": { "type": "string" }
        }
      },
      "AlertList": {
        "type": "object", "required": ["alerts"], "additionalProperties": false,
        "properties": { "alerts": { "type": "array", "items": { "$ref": "#/components/schemas/Alert" } }, "next_cursor": { "type": "string" } }
      },
      "ReloadError": {
        "type": "object", "required": ["path", "message", "at"], "additionalProperties": false,
        "properties": {
          "policy_set": { "type": "string" }, "path": { "type": "string" },
          "message": { "type": "string", "description": "file:line: what is wrong" },
          "file": { "type": "string" }, "line": { "type": "integer" }, "field": { "type": "string" },
          "at": { "type": "string", "format": "date-time" }
        }
      },
      "PolicySet": {
        "type": "object", "required": ["name", "path", "content_hash", "loaded_at", "programs", "policies"], "additionalProperties": false,
        "properties": {
          "name": { "type": "string" }, "path": { "type": "string" }, "content_hash": { "type": "string" },
          "loaded_at": { "type": "string", "format": "date-time" },
          "programs": { "$ref": "#/components/schemas/StringList" },
          "policies": { "type": "array", "items": {
            "type": "object", "required": ["name", "version", "file", "programs", "effective", "cadence", "tiers"], "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "version": { "type": "string" }, "file": { "type": "string" },
              "programs": { "$ref": "#/components/schemas/StringList" }, "effective": { "$ref": "#/components/schemas/Date" },
              "cadence": { "type": "string" }, "tiers": { "$ref": "#/components/schemas/StringList" } } } },
          "reload_error": { "$ref": "#/components/schemas/ReloadError" }
        }
      },
      "PolicySetList": {
        "type": "object", "required": ["policy_sets", "reload_errors"], "additionalProperties": false,
        "properties": {
          "policy_sets": { "type": "array", "items": { "$ref": "#/components/schemas/PolicySet" } },
          "reload_errors": { "type": "array", "items": { "$ref": "#/components/schemas/ReloadError" } }
        }
      },
      "ReloadResult": {
        "type": "object", "required": ["swapped", "unchanged", "policy_sets"], "additionalProperties": false,
        "properties": {
          "swapped": { "$ref": "#/components/schemas/StringList" }, "unchanged": { "$ref": "#/components/schemas/StringList" },
          "policy_sets": { "type": "array", "items": { "$ref": "#/components/schemas/PolicySet" } }
        }
      },
      "TaskStatus": { "type": "string", "enum": ["open", "acknowledged", "done", "dismissed", "closed"] },
      "Task": {
        "type": "object", "additionalProperties": false,
        "required": ["id", "policy_set", "partner_id", "alert", "step", "action", "assignee", "status", "opened", "opened_run"],
        "properties": {
          "id": { "type": "integer" }, "policy_set": { "type": "string" }, "partner_id": { "type": "string" },
          "alert": { "type": "string", "description": "kind:subject" },
          "step": { "type": "integer", "minimum": 1, "description": "The menu step (1-based) that opened it" },
          "action": { "type": "string" }, "owner": { "type": "string", "description": "The step's owner" },
          "assignee": { "type": "string", "description": "The partner's channel account manager for a CAM step, else the step's queue" },
          "status": { "$ref": "#/components/schemas/TaskStatus" },
          "outcome": { "type": "string", "enum": ["reached", "plan_agreed", "declined", "no_response", "resolved", "escalated", "superseded"], "description": "A person's (done) or the run's (closed)" },
          "note": { "type": "string" },
          "opened": { "$ref": "#/components/schemas/Date" }, "opened_run": { "type": "integer" },
          "acknowledged": { "$ref": "#/components/schemas/Date" }, "closed": { "$ref": "#/components/schemas/Date" }
        }
      },
      "TaskList": {
        "type": "object", "required": ["tasks"], "additionalProperties": false,
        "properties": { "tasks": { "type": "array", "items": { "$ref": "#/components/schemas/Task" } }, "next_cursor": { "type": "string" } }
      },
      "TaskAction": {
        "type": "object",
        "properties": {
          "on": { "nullable": true, "anyOf": [{ "$ref": "#/components/schemas/InputDate" }], "description": "The day it happened (default, or null: the request's day, UTC); not before the task was opened (or acknowledged)" },
          "note": { "type": "string", "maxLength": 2000, "nullable": true }
        }
      },
      "TaskDone": {
        "type": "object", "required": ["outcome"],
        "properties": {
          "outcome": { "type": "string", "enum": ["reached", "plan_agreed", "declined", "no_response"] },
          "on": { "nullable": true, "anyOf": [{ "$ref": "#/components/schemas/InputDate" }] },
          "note": { "type": "string", "maxLength": 2000, "nullable": true }
        }
      },
      "WebhookEventType": { "type": "string", "enum": X_EVENT_TYPES },
      "WebhookSubscription": {
        "type": "object", "additionalProperties": false,
        "required": ["id", "url", "events", "created", "position", "delivered", "pending", "dead_letters", "attempts", "last_error", "next_attempt_at"],
        "properties": {
          "id": { "type": "integer" }, "url": { "type": "string" },
          "events": { "type": "array", "items": { "type": "string" }, "description": "Event types, groups (tier.*) or *" },
          "created": { "type": "string", "format": "date-time" },
          "position": { "type": "string", "nullable": true, "description": "The last event handled (delivered or dead-lettered)" },
          "delivered": { "type": "integer" }, "pending": { "type": "integer", "description": "Events still to deliver" },
          "dead_letters": { "type": "integer" },
          "attempts": { "type": "integer", "description": "Failed attempts at the next event" },
          "last_error": { "type": "string", "nullable": true },
          "next_attempt_at": { "type": "string", "format": "date-time", "nullable": true }
        }
      },
      "WebhookList": {
        "type": "object", "required": ["webhooks"], "additionalProperties": false,
        "properties": { "webhooks": { "type": "array", "items": { "$ref": "#/components/schemas/WebhookSubscription" } } }
      },
      "WebhookCreate": {
        "type": "object", "required": ["url"],
        "properties": {
          "url": { "type": "string", "maxLength": 2000, "description": "An http or https URL with a host (no credentials, no #fragment)",
            "pattern": X_URL_PATTERN },
          "secret": { "type": "string", "nullable": true, "pattern": "^[!-~]{16,200}$", "description": "The HMAC key, 16 to 200 visible ASCII characters (default, or null: a new random one)" },
          "events": { "type": "array", "nullable": true, "items": { "type": "string", "enum": X_EVENT_PATTERNS }, "description": "Event types, groups such as tier.*, or * (default, or null or empty: *)" }
        }
      },
      "WebhookCreated": {
        "type": "object", "required": ["secret", "webhook"], "additionalProperties": false,
        "properties": { "secret": { "type": "string" }, "webhook": { "$ref": "#/components/schemas/WebhookSubscription" } }
      },
      "WebhookReplay": {
        "type": "object",
        "properties": {
          "from": { "type": "string", "nullable": true, "pattern": "^(evt_)?[1-9][0-9]{0,17}$", "description": "An event id: deliver it and every later one again" },
          "since": { "nullable": true, "anyOf": [{ "$ref": "#/components/schemas/InputDate" }], "description": "Or: from the first event about this day or later" }
        },
        "description": "Exactly one of from and since (a null one counts as absent).",
        "oneOf": [ { "required": ["from"], "properties": { "from": { "type": "string" } } }, { "required": ["since"], "properties": { "since": { "type": "string" } } } ]
      },
      "WebhookEvent": {
        "type": "object", "additionalProperties": false,
        "required": ["id", "type", "occurred_on", "partner_id", "policy_set", "run_id", "data"],
        "description": "The body of every delivery. Headers: Webhook-Id (the id, the same at every attempt and replay), Webhook-Timestamp (Unix seconds of this attempt), Webhook-Signature: sha256=<hex HMAC-SHA256 of \"<Webhook-Timestamp>.<body>\" keyed by the subscription's secret>. A 2xx answer counts as delivered; anything else is tried again later.",
        "properties": {
          "id": { "type": "string", "pattern": "^evt_[1-9][0-9]*$" },
          "type": { "$ref": "#/components/schemas/WebhookEventType" },
          "occurred_on": { "$ref": "#/components/schemas/Date", "description": "A run's as-of day; an ingest's or a task action's day" },
          "partner_id": { "type": "string", "nullable": true },
          "policy_set": { "type": "string", "nullable": true },
          "run_id": { "type": "integer", "nullable": true },
          "data": { "type": "object", "description": "The type's own data (x-webhooks)" }
        }
      },
      "TierEventData": {
        "type": "object", "additionalProperties": false, "required": ["previous_tier", "program", "standing", "tier", "tier_event"],
        "properties": { "previous_tier": { "type": "string", "nullable": true }, "program": { "type": "string" },
          "standing": { "$ref": "#/components/schemas/Standing" }, "tier": { "type": "string", "nullable": true },
          "tier_event": { "$ref": "#/components/schemas/TierEvent" } }
      },
      "ReviewOpenedData": {
        "type": "object", "additionalProperties": false, "required": ["deadline", "opened", "program", "tier"],
        "properties": { "deadline": { "$ref": "#/components/schemas/Date" }, "opened": { "$ref": "#/components/schemas/Date" },
          "program": { "type": "string" }, "tier": { "type": "string" } }
      },
      "ReviewClearedData": {
        "type": "object", "additionalProperties": false, "required": ["program", "tier"],
        "properties": { "program": { "type": "string" }, "tier": { "type": "string", "nullable": true } }
      },
      "GateEventData": {
        "type": "object", "additionalProperties": false,
        "required": ["expires", "gate", "program", "requirement", "status", "suspended_benefits", "suspended_products"],
        "properties": { "expires": { "type": "string", "format": "date", "nullable": true }, "gate": { "type": "string" },
          "program": { "type": "string" }, "requirement": { "type": "string" }, "status": { "$ref": "#/components/schemas/GateStatus" },
          "suspended_benefits": { "$ref": "#/components/schemas/StringList" }, "suspended_products": { "$ref": "#/components/schemas/StringList" } }
      },
      "AlertEventData": {
        "type": "object", "additionalProperties": false,
        "required": ["alert", "first_raised", "intervention", "kind", "owner", "program", "step", "subject"],
        "properties": { "alert": { "type": "string" }, "first_raised": { "$ref": "#/components/schemas/Date" },
          "intervention": { "type": "string", "nullable": true }, "kind": { "$ref": "#/components/schemas/AlertKind" },
          "owner": { "type": "string", "nullable": true }, "previous_step": { "type": "integer", "description": "alert.escalated only" },
          "program": { "type": "string" }, "step": { "type": "integer" }, "subject": { "type": "string" } }
      },
      "AlertResolvedData": {
        "type": "object", "additionalProperties": false, "required": ["alert", "kind", "program", "subject"],
        "properties": { "alert": { "type": "string" }, "kind": { "$ref": "#/components/schemas/AlertKind" },
          "program": { "type": "string" }, "subject": { "type": "string" } }
      },
      "ActivityIngestedData": {
        "type": "object", "additionalProperties": false, "required": ["events", "idempotency_key", "partners"],
        "properties": { "events": { "type": "integer" }, "idempotency_key": { "type": "string", "nullable": true },
          "partners": { "$ref": "#/components/schemas/StringList" } }
      }
    }
  },
  "x-webhooks": X_WEBHOOKS
}
"""#
}
