import { z } from 'zod';

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'token_type must be Bearer'),
  expires_in: z.number().int().positive(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const tokenErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  error_uri: z.string().optional(),
});

export const metadataSchema = z.object({
  issuer: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url().optional(),
});
export type AuthorizationServerMetadata = z.infer<typeof metadataSchema>;
