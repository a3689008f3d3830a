import type { FastifyRequest } from "fastify";
import { readBody } from "../http.ts";
import { badRequest } from "./adminError.ts";

/** Reads an admin JSON body; an empty body is `{}`. */
export async function readAdminJson(request: FastifyRequest, limit = 64 * 1024 * 1024): Promise<unknown> {
  const body = await readBody(request, limit);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw badRequest("the request body is not valid JSON");
  }
}

interface NumberRule {
  required?: boolean;
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Reads the fields of one admin JSON object, each checked for type and range, and refuses any
 * field it does not know, so a typo in a test (`quota` for `quotaTotal`) fails loudly.
 */
export class Fields {
  private readonly seen = new Set<string>();
  private readonly o: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly what = "the request body",
  ) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw badRequest(`${what} must be a JSON object`);
    }
    this.o = value as Record<string, unknown>;
  }

  has(key: string): boolean {
    return this.o[key] !== undefined;
  }

  raw(key: string): unknown {
    this.seen.add(key);
    return this.o[key];
  }

  string(key: string, required: true): string;
  string(key: string, required?: boolean): string | undefined;
  string(key: string, required = false): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (required) throw badRequest(`'${key}' is required in ${this.what}`);
      return undefined;
    }
    if (typeof v !== "string") throw badRequest(`'${key}' must be a string`);
    return v;
  }

  number(key: string, rule: NumberRule & { required: true }): number;
  number(key: string, rule?: NumberRule): number | undefined;
  number(key: string, rule: NumberRule = {}): number | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (rule.required) throw badRequest(`'${key}' is required in ${this.what}`);
      return undefined;
    }
    if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`'${key}' must be a number`);
    if (rule.integer && !Number.isInteger(v)) throw badRequest(`'${key}' must be an integer`);
    if (rule.min !== undefined && v < rule.min) throw badRequest(`'${key}' must be >= ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) throw badRequest(`'${key}' must be <= ${rule.max}`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") throw badRequest(`'${key}' must be true or false`);
    return v;
  }

  strings(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
      throw badRequest(`'${key}' must be an array of strings`);
    }
    return v as string[];
  }

  array(key: string): unknown[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw badRequest(`'${key}' must be an array`);
    return v;
  }

  /** Refuses fields nobody asked for. */
  done(): void {
    for (const key of Object.keys(this.o)) {
      if (!this.seen.has(key)) throw badRequest(`unknown field '${key}' in ${this.what}`);
    }
  }
}
