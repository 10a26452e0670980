// The console's own password hashing (functions/console/password.ts), the very same code, loaded
// by path. That module is typed for the Workers runtime: under Node's DOM typings its WebCrypto
// call does not type-check (its salt is a Uint8Array<ArrayBufferLike>, where the DOM's
// BufferSource wants an ArrayBuffer), and a TypeScript project cannot leave out a file it
// imports. Once derive() there takes a Uint8Array<ArrayBuffer>, this can become a plain import.
type Passwords = {
  hashPassword(password: string): Promise<string>;
  verifyPassword(password: string, stored: string): Promise<boolean>;
};

const passwordModule: string = "../functions/console/password.ts";
export const { hashPassword, verifyPassword } = (await import(passwordModule)) as Passwords;
