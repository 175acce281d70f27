import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/**
 * Validates an OCSF event against the compiled OCSF schema (the export with `classes`, `objects`,
 * `types`, `base_event`, `profiles`). Pure apart from `loadOcsfSchema` reading the file.
 *
 * Rules: the class is known by `class_uid`; every `required` attribute is present at every level;
 * no attribute is unknown to its class or object; values have their type (string subtypes with
 * the type's regex, max_len and range); enum attributes use a listed value; the class and object
 * constraints (`at_least_one`, `just_one`) hold; `type_uid` = class_uid * 100 + activity_id.
 */

type Kind = 'string' | 'integer' | 'long' | 'float' | 'boolean' | 'json' | 'object';

interface AttributeSpec {
  kind: Kind;
  /** The OCSF type name (`ip_t`, `user`, …), quoted in problems. */
  typeName: string;
  objectType?: string;
  isArray: boolean;
  required: boolean;
  enumValues?: ReadonlySet<string | number>;
  check?: (value: string) => boolean;
  maxLen?: number;
  range?: readonly [number, number];
}

interface ObjectSpec {
  name: string;
  attributes: ReadonlyMap<string, AttributeSpec>;
  required: readonly string[];
  /** `object` (used by `unmapped`) defines no attributes: anything goes inside it. */
  open: boolean;
  atLeastOne?: readonly string[];
  justOne?: readonly string[];
}

export interface OcsfSchema {
  version: string;
  classes: ReadonlyMap<number, ObjectSpec>;
  objects: ReadonlyMap<string, ObjectSpec>;
}

/** Objects nest recursively (process.parent_process, …): deeper than this is reported, not walked. */
export const MAX_DEPTH = 32;
/** A hostile event could yield a problem per key; past this many the list says so and the walk stops. */
export const MAX_PROBLEMS = 50;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Loading

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const asJson = (v: unknown): Json => (isPlainObject(v) ? v : {});

const cache = new Map<string, OcsfSchema>();

/** Reads and compiles the schema file once per path. */
export function loadOcsfSchema(path: string): OcsfSchema {
  const cached = cache.get(path);
  if (cached) return cached;
  const schema = compileSchema(JSON.parse(readFileSync(path, 'utf8')));
  cache.set(path, schema);
  return schema;
}

interface TypeInfo {
  kind: Kind;
  check?: (value: string) => boolean;
  maxLen?: number;
  range?: readonly [number, number];
}

const BASE_KINDS: Record<string, Kind> = {
  string_t: 'string',
  integer_t: 'integer',
  long_t: 'long',
  float_t: 'float',
  boolean_t: 'boolean',
  json_t: 'json',
};

function compileTypes(types: Json): Map<string, TypeInfo> {
  const out = new Map<string, TypeInfo>();
  for (const [name, raw] of Object.entries(types)) {
    const t = asJson(raw);
    const base = typeof t.type === 'string' ? t.type : name;
    const baseInfo = asJson(types[base]);
    const kind = BASE_KINDS[base] ?? 'json';
    const maxLen = typeof t.max_len === 'number' ? t.max_len : (baseInfo.max_len as number | undefined);
    const range = Array.isArray(t.range) && t.range.length === 2 ? (t.range as [number, number]) : undefined;
    out.set(name, { kind, check: checkFor(name, t.regex), maxLen: maxLen ?? undefined, range });
  }
  return out;
}

function checkFor(typeName: string, regex: unknown): ((value: string) => boolean) | undefined {
  // The file's ip_t pattern leaves the dots unescaped and allows surrounding blanks, so it accepts
  // "1x2x3x4" and " 1.2.3.4 ": node:net's parser is exact for IPv4 and IPv6.
  if (typeName === 'ip_t') return (v) => isIP(v) !== 0;
  if (typeof regex !== 'string' || regex === '') return undefined;
  // Some patterns (uuid_t) are unanchored; a value must match whole, not contain a match.
  const re = new RegExp(`^(?:${regex})$`);
  return (v) => re.test(v);
}

function compileSchema(raw: unknown): OcsfSchema {
  const root = asJson(raw);
  const types = compileTypes(asJson(root.types));
  const profiles = asJson(root.profiles);
  const compileObject = (name: string, def: Json) => compileObjectSpec(name, def, types, profiles);

  const objects = new Map<string, ObjectSpec>();
  for (const [name, def] of Object.entries(asJson(root.objects)))
    objects.set(name, compileObject(name, asJson(def)));

  const classes = new Map<number, ObjectSpec>();
  const classDefs = [...Object.values(asJson(root.classes)), root.base_event];
  for (const raw of classDefs) {
    const def = asJson(raw);
    if (typeof def.uid === 'number') classes.set(def.uid, compileObject(String(def.name), def));
  }
  return { version: String(root.version), classes, objects };
}

function compileObjectSpec(
  name: string,
  def: Json,
  types: Map<string, TypeInfo>,
  profiles: Json,
): ObjectSpec {
  const attributes = new Map<string, AttributeSpec>();
  const defs = asJson(def.attributes);
  for (const [attr, raw] of Object.entries(defs)) attributes.set(attr, compileAttribute(asJson(raw), types));
  addProfileAttributes(def, defs, attributes, types, profiles);
  const constraints = asJson(def.constraints);
  const list = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  return {
    name,
    attributes,
    required: [...attributes].filter(([, a]) => a.required).map(([n]) => n),
    open: attributes.size === 0,
    atLeastOne: list(constraints.at_least_one),
    justOne: list(constraints.just_one),
  };
}

/**
 * The export folds most profiles into the class attributes, but not all of them: `base_event`
 * declares `cloud` and `datetime` yet lists neither's attributes, and `container` and
 * `linux/linux_users` are left out everywhere. A declared profile's attributes are accepted, as
 * optional ones when the export left them out (it did not apply those profiles' requirements).
 */
function addProfileAttributes(
  def: Json,
  defs: Json,
  attributes: Map<string, AttributeSpec>,
  types: Map<string, TypeInfo>,
  profiles: Json,
): void {
  const declared = Array.isArray(def.profiles) ? def.profiles : [];
  for (const profile of declared) {
    if (profile === 'datetime') {
      // The datetime profile adds a `<name>_dt` twin (RFC 3339 string) to every timestamp.
      for (const [attr, raw] of Object.entries(defs)) {
        if (asJson(raw).type === 'timestamp_t' && !attributes.has(`${attr}_dt`)) {
          attributes.set(`${attr}_dt`, compileAttribute({ type: 'datetime_t' }, types));
        }
      }
      continue;
    }
    for (const [attr, raw] of Object.entries(asJson(asJson(profiles[String(profile)]).attributes))) {
      if (!attributes.has(attr)) {
        attributes.set(attr, { ...compileAttribute(asJson(raw), types), required: false });
      }
    }
  }
}

function compileAttribute(def: Json, types: Map<string, TypeInfo>): AttributeSpec {
  const typeName = typeof def.type === 'string' ? def.type : 'json_t';
  const objectType = typeof def.object_type === 'string' ? def.object_type : undefined;
  const info = objectType ? undefined : types.get(typeName);
  const kind: Kind = objectType ? 'object' : (info?.kind ?? 'json');
  const enumKeys = isPlainObject(def.enum) ? Object.keys(def.enum) : [];
  const numeric = kind === 'integer' || kind === 'long' || kind === 'float';
  return {
    kind,
    typeName: objectType ?? typeName,
    objectType,
    isArray: def.is_array === true,
    required: def.requirement === 'required',
    // Enum keys are strings in the file ("1", "99"): numeric attributes compare by number.
    enumValues: enumKeys.length > 0 ? new Set(enumKeys.map((k) => (numeric ? Number(k) : k))) : undefined,
    check: info?.check,
    maxLen: info?.maxLen,
    range: info?.range,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation

class Problems {
  private readonly list: string[] = [];

  add(path: string, problem: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push(`${path}: ${problem}`);
    else if (this.list.length === MAX_PROBLEMS) this.list.push('… further problems not listed');
  }

  /** Once the list is full the walk stops: the rest of a hostile event is not worth the time. */
  get full(): boolean {
    return this.list.length > MAX_PROBLEMS;
  }

  done(): string[] {
    return this.list;
  }
}

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  // Values come from logs: shown short and escaped, so a problem line cannot smuggle control characters.
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
};

/** Problems with `event` as OCSF, each prefixed with its JSON path; empty when the event is valid. */
export function validateOcsf(event: unknown, schema: OcsfSchema): string[] {
  const problems = new Problems();
  if (!isPlainObject(event)) {
    problems.add('$', `expected an OCSF event object, got ${describe(event)}`);
    return problems.done();
  }
  const classUid = event.class_uid;
  if (typeof classUid !== 'number' || !Number.isInteger(classUid)) {
    problems.add('$.class_uid', `required integer class id, got ${describe(classUid)}`);
    return problems.done();
  }
  const spec = schema.classes.get(classUid);
  if (!spec) {
    problems.add('$.class_uid', `unknown class ${classUid} in OCSF ${schema.version}`);
    return problems.done();
  }
  validateObject(event, spec, '$', 0, schema, problems);
  checkTypeUid(event, problems);
  return problems.done();
}

function checkTypeUid(event: Json, problems: Problems): void {
  const { class_uid: classUid, activity_id: activityId, type_uid: typeUid } = event;
  if (typeof activityId !== 'number' || typeof typeUid !== 'number') return; // reported as type problems
  const expected = (classUid as number) * 100 + activityId;
  if (typeUid !== expected) {
    problems.add('$.type_uid', `must be class_uid * 100 + activity_id = ${expected}, got ${typeUid}`);
  }
}

function validateObject(
  value: Json,
  spec: ObjectSpec,
  path: string,
  depth: number,
  schema: OcsfSchema,
  problems: Problems,
): void {
  if (spec.open) return;
  if (depth > MAX_DEPTH) {
    problems.add(path, `nested deeper than ${MAX_DEPTH} objects; not validated further`);
    return;
  }
  for (const name of spec.required) {
    if (value[name] === undefined) problems.add(`${path}.${name}`, `missing; required by ${spec.name}`);
  }
  for (const name of Object.keys(value)) {
    if (problems.full) return;
    const attr = spec.attributes.get(name);
    const at = `${path}.${name}`;
    if (!attr) problems.add(at, `not an attribute of ${spec.name}`);
    else if (value[name] !== undefined) validateAttribute(value[name], attr, at, depth, schema, problems);
  }
  checkConstraints(value, spec, path, problems);
}

function validateAttribute(
  value: unknown,
  attr: AttributeSpec,
  path: string,
  depth: number,
  schema: OcsfSchema,
  problems: Problems,
): void {
  if (!attr.isArray) {
    validateValue(value, attr, path, depth, schema, problems);
    return;
  }
  if (!Array.isArray(value)) {
    problems.add(path, `expected an array of ${attr.typeName}, got ${describe(value)}`);
    return;
  }
  for (let i = 0; i < value.length && !problems.full; i++) {
    validateValue(value[i], attr, `${path}[${i}]`, depth, schema, problems);
  }
}

function validateValue(
  value: unknown,
  attr: AttributeSpec,
  path: string,
  depth: number,
  schema: OcsfSchema,
  problems: Problems,
): void {
  if (attr.kind === 'json') return;
  if (attr.kind === 'object') {
    const spec = schema.objects.get(attr.objectType ?? '');
    if (!isPlainObject(value)) problems.add(path, `expected ${attr.typeName} object, got ${describe(value)}`);
    else if (spec) validateObject(value, spec, path, depth + 1, schema, problems);
    else problems.add(path, `object type ${attr.typeName} is not in the schema`);
    return;
  }
  const problem = scalarProblem(value, attr);
  if (problem) problems.add(path, problem);
}

function scalarProblem(value: unknown, attr: AttributeSpec): string | undefined {
  const wrongType = `expected ${attr.typeName}, got ${describe(value)}`;
  switch (attr.kind) {
    case 'string':
      if (typeof value !== 'string') return wrongType;
      if (attr.maxLen !== undefined && value.length > attr.maxLen) {
        return `${attr.typeName} longer than ${attr.maxLen} characters (${value.length})`;
      }
      if (attr.check && !attr.check(value)) return `not a valid ${attr.typeName}: ${describe(value)}`;
      return enumProblem(value, attr);
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType;
      if (attr.kind === 'integer' && (value < INT32_MIN || value > INT32_MAX))
        return `${wrongType} (out of 32-bit range)`;
      return rangeProblem(value, attr) ?? enumProblem(value, attr);
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType;
      return enumProblem(value, attr);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : wrongType;
    default:
      return undefined;
  }
}

function rangeProblem(value: number, attr: AttributeSpec): string | undefined {
  if (!attr.range) return undefined;
  const [min, max] = attr.range;
  return value < min || value > max ? `${attr.typeName} ${value} outside [${min}, ${max}]` : undefined;
}

function enumProblem(value: string | number, attr: AttributeSpec): string | undefined {
  if (!attr.enumValues || attr.enumValues.has(value)) return undefined;
  return `${describe(value)} is not one of the enum values ${[...attr.enumValues].join(', ')}`;
}

function checkConstraints(value: Json, spec: ObjectSpec, path: string, problems: Problems): void {
  if (spec.atLeastOne && !spec.atLeastOne.some((p) => present(value, p))) {
    problems.add(path, `${spec.name} needs at least one of ${spec.atLeastOne.join(', ')}`);
  }
  if (spec.justOne && spec.justOne.filter((p) => present(value, p)).length !== 1) {
    problems.add(path, `${spec.name} needs exactly one of ${spec.justOne.join(', ')}`);
  }
}

/** Constraints may name nested attributes (`device.os.version`). */
function present(value: Json, dotted: string): boolean {
  let current: unknown = value;
  for (const part of dotted.split('.')) {
    if (!isPlainObject(current)) return false;
    current = current[part];
  }
  return current !== undefined && current !== null;
}
