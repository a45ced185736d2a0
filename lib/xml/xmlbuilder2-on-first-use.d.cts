// Types for the loader next to this file (written by hand).
/** xmlbuilder2's module, required on the first call. */
export declare const xmlbuilder2: () => typeof import('xmlbuilder2');
