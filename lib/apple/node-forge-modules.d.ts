// node-forge's own modules, loaded one by one so the signer takes only the
// CMS code it needs (the package index also loads TLS, SSH, PKCS#12 and
// more). `lib/forge` is the shared object the other modules add to.
declare module 'node-forge/lib/forge' {
  import forge from 'node-forge';
  export default forge;
}
declare module 'node-forge/lib/pkcs7';
declare module 'node-forge/lib/sha256';
