/** Types of compile.js (plain JavaScript, so that the launcher needs no TypeScript runtime). */
export declare const COMPILED_DIR: '.parity-js';
export interface WorkspacePackage {
  dir: string;
  name: string;
  exports: unknown;
}
export declare function workspacePackages(root: string): WorkspacePackage[];
export declare function compiledPath(pkgDir: string, file: string): string;
export declare function resolveExport(exports: unknown, subpath: string): string | undefined;
export declare function ensureCompiled(root: string): Promise<{ compiled: number; removed: number; packages: number }>;
