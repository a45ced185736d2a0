// node-forge's own modules, loaded one by one so the signer takes only the
// CMS code it needs (the package index loads TLS, SSH, PKCS#12 and more).
// Each returns the shared forge object with its part added.
declare module 'node-forge/lib/pkcs7' {
  import forge from 'node-forge';
  export default forge;
}
declare module 'node-forge/lib/sha256' {
  import forge from 'node-forge';
  export default forge;
}
