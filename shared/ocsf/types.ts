/**
 * The subset of OCSF 1.1.0 that Vigil emits. Attribute names and types follow the compiled
 * schema exactly (a test validates real output against it), so nothing here may be invented:
 * anything a source has that OCSF has no place for goes to `unmapped`.
 */

export interface OcsfProduct {
  name?: string;
  vendor_name: string;
  version?: string;
  uid?: string;
  feature?: { name?: string; uid?: string; version?: string };
}

export interface OcsfMetadata {
  version: string;
  product: OcsfProduct;
  /** Stable id of the source record (CloudTrail eventID, finding id, Okta uuid, …): the idempotency key. */
  uid?: string;
  profiles?: string[];
  log_name?: string;
  log_provider?: string;
  log_version?: string;
  original_time?: string;
  event_code?: string;
  tenant_uid?: string;
  correlation_uid?: string;
  labels?: string[];
  logged_time?: number;
  processed_time?: number;
}

export interface OcsfAccount {
  uid?: string;
  name?: string;
  type?: string;
  type_id?: number;
}

export interface OcsfGroup {
  name?: string;
  uid?: string;
  type?: string;
}

export interface OcsfOrganization {
  uid?: string;
  name?: string;
  ou_uid?: string;
  ou_name?: string;
}

export interface OcsfUser {
  uid?: string;
  name?: string;
  type?: string;
  type_id?: number;
  domain?: string;
  email_addr?: string;
  full_name?: string;
  credential_uid?: string;
  uid_alt?: string;
  account?: OcsfAccount;
  org?: OcsfOrganization;
  groups?: OcsfGroup[];
}

export interface OcsfSession {
  uid?: string;
  uid_alt?: string;
  issuer?: string;
  created_time?: number;
  created_time_dt?: string;
  credential_uid?: string;
  expiration_time?: number;
  is_mfa?: boolean;
  is_remote?: boolean;
  is_vpn?: boolean;
}

export interface OcsfIdp {
  name?: string;
  uid?: string;
}

export interface OcsfActor {
  user?: OcsfUser;
  session?: OcsfSession;
  invoked_by?: string;
  idp?: OcsfIdp;
  app_name?: string;
  app_uid?: string;
}

export interface OcsfLocation {
  country?: string;
  city?: string;
  region?: string;
  continent?: string;
  coordinates?: number[];
  isp?: string;
  desc?: string;
  provider?: string;
}

export interface OcsfEndpoint {
  ip?: string;
  port?: number;
  name?: string;
  hostname?: string;
  domain?: string;
  uid?: string;
  svc_name?: string;
  instance_uid?: string;
  vpc_uid?: string;
  subnet_uid?: string;
  location?: OcsfLocation;
  type?: string;
  type_id?: number;
  intermediate_ips?: string[];
}

export interface OcsfCloud {
  provider: string;
  region?: string;
  zone?: string;
  account?: OcsfAccount;
  org?: OcsfOrganization;
  project_uid?: string;
}

export interface OcsfService {
  name?: string;
  uid?: string;
  version?: string;
  labels?: string[];
}

export interface OcsfApi {
  operation: string;
  service?: OcsfService;
  version?: string;
  request?: { uid: string; flags?: string[] };
  response?: { code?: number; error?: string; error_message?: string; message?: string; flags?: string[] };
  group?: OcsfGroup;
}

export interface OcsfResource {
  uid?: string;
  name?: string;
  type?: string;
  region?: string;
  owner?: OcsfUser;
  labels?: string[];
  data?: unknown;
  namespace?: string;
  criticality?: string;
  cloud_partition?: string;
  group?: OcsfGroup;
  version?: string;
}

export interface OcsfHttpRequest {
  user_agent?: string;
  http_method?: string;
  version?: string;
  uid?: string;
  referrer?: string;
  x_forwarded_for?: string[];
  url?: {
    hostname?: string;
    path?: string;
    url_string?: string;
    scheme?: string;
    port?: number;
    query_string?: string;
  };
}

export interface OcsfEnrichment {
  name: string;
  value: string;
  data: unknown;
  type?: string;
  provider?: string;
}

export interface OcsfObservable {
  name: string;
  type_id: number;
  type?: string;
  value?: string;
}

export interface OcsfAttack {
  tactic?: { uid?: string; name?: string };
  technique?: { uid?: string; name?: string };
  sub_technique?: { uid?: string; name?: string };
  version?: string;
}

export interface OcsfFindingInfo {
  uid: string;
  title: string;
  desc?: string;
  types?: string[];
  attacks?: OcsfAttack[];
  created_time?: number;
  modified_time?: number;
  first_seen_time?: number;
  last_seen_time?: number;
  product_uid?: string;
  src_url?: string;
  data_sources?: string[];
  analytic?: {
    uid?: string;
    name?: string;
    type_id: number;
    type?: string;
    category?: string;
    desc?: string;
  };
}

/** The base attributes every OCSF class has, plus the class-specific ones Vigil fills. */
export interface OcsfEvent {
  class_uid: number;
  class_name?: string;
  category_uid: number;
  category_name?: string;
  activity_id: number;
  activity_name?: string;
  type_uid: number;
  type_name?: string;
  severity_id: number;
  severity?: string;
  time: number;
  time_dt?: string;
  metadata: OcsfMetadata;
  status_id?: number;
  status?: string;
  status_code?: string;
  status_detail?: string;
  message?: string;
  count?: number;
  start_time?: number;
  end_time?: number;
  timezone_offset?: number;
  raw_data?: string;
  unmapped?: Record<string, unknown>;
  enrichments?: OcsfEnrichment[];
  observables?: OcsfObservable[];

  // Cloud profile.
  cloud?: OcsfCloud;

  // API Activity (6003), Account Change (3001), Detection Finding (2004) and others.
  actor?: OcsfActor;
  api?: OcsfApi;
  src_endpoint?: OcsfEndpoint;
  dst_endpoint?: OcsfEndpoint;
  http_request?: OcsfHttpRequest;
  resources?: OcsfResource[];

  // Authentication (3002), Account Change (3001).
  user?: OcsfUser;
  auth_protocol?: string;
  auth_protocol_id?: number;
  logon_type?: string;
  logon_type_id?: number;
  is_mfa?: boolean;
  is_remote?: boolean;
  is_new_logon?: boolean;
  service?: OcsfService;
  session?: OcsfSession;

  // Detection Finding (2004).
  finding_info?: OcsfFindingInfo;
  action?: string;
  action_id?: number;
  disposition?: string;
  disposition_id?: number;
  confidence?: string;
  confidence_id?: number;
  confidence_score?: number;
  risk_level?: string;
  risk_level_id?: number;
  risk_score?: number;
  evidences?: unknown[];
  remediation?: { desc: string; references?: string[] };
  vulnerabilities?: unknown[];
  compliance?: unknown;
}
