// Generated from tenant-item.schema.json by `npm run generate:validator` (infra/build/generate-validator.ts). Do not edit.
"use strict";
module.exports = validate20;
module.exports.default = validate20;
const schema31 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://autodiscover-responder.invalid/tenant-item.schema.json","title":"Tenant table item","description":"One item of the tenant table (README, \"The tenant item format\"). The id tells the kind: a domain item has a domain as id, a mailbox item an address. A domain item with aliasOf is an alias item. The one item with id \".generation\" is the generation item.","type":"object","required":["id"],"properties":{"id":{"type":"string"}},"if":{"properties":{"id":{"const":".generation"}},"required":["id"]},"then":{"$ref":"#/$defs/generationItem"},"else":{"if":{"properties":{"id":{"type":"string","pattern":"@"}}},"then":{"$ref":"#/$defs/mailboxItem"},"else":{"if":{"properties":{"aliasOf":true},"required":["aliasOf"]},"then":{"$ref":"#/$defs/aliasItem"},"else":{"$ref":"#/$defs/domainItem"}}},"$defs":{"domainName":{"description":"Lower case ASCII (IDN in punycode), no trailing dot.","type":"string","maxLength":253,"pattern":"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},"mailboxId":{"description":"localpart@domain: local part stored lower case, domain as a domain item id.","type":"string","maxLength":254,"pattern":"^[^@A-Z\\u0000-\\u001f\\u007f]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},"address":{"description":"Any e-mail address (used as a redirect target).","type":"string","maxLength":254,"pattern":"^[^@\\s\\u0000-\\u001f\\u007f]{1,64}@[^@\\s\\u0000-\\u001f\\u007f]{1,253}$"},"httpsUrl":{"type":"string","maxLength":2048,"pattern":"^https://[^\\s/?#]+(?:[/?#]\\S*)?$"},"text":{"type":"string","maxLength":256},"hasMailboxes":{"description":"Whether mailbox items exist under this domain (ids ending in @ and this domain). false: there are none and the responder never reads them, so a new address costs no read; true: read the address's mailbox item. Absent: unknown, read as if true.","type":"boolean"},"loginTemplate":{"description":"Login name template; %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% are filled from the requester's address.","type":"string","minLength":1,"maxLength":256},"protocol":{"type":"object","required":["type","server","port","tls"],"additionalProperties":false,"properties":{"type":{"enum":["IMAP","POP3","SMTP"]},"server":{"description":"Host name (ASCII/punycode) or IPv4 address.","type":"string","maxLength":253,"pattern":"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"},"port":{"type":"integer","minimum":1,"maximum":65535},"tls":{"enum":["implicit","starttls","none"]},"auth":{"enum":["password","spa","none"]},"username":{"$ref":"#/$defs/loginTemplate"},"domainRequired":{"type":"boolean"},"domainName":{"$ref":"#/$defs/text"},"ttl":{"type":"integer","minimum":0,"maximum":8760},"smtpLast":{"type":"boolean"},"usePopAuth":{"type":"boolean"}},"if":{"properties":{"type":{"const":"SMTP"}}},"else":{"properties":{"smtpLast":{"not":{},"description":"SMTP entries only"},"usePopAuth":{"not":{},"description":"SMTP entries only"}}}},"protocols":{"type":"array","maxItems":32,"items":{"$ref":"#/$defs/protocol"}},"domainItem":{"type":"object","required":["id","protocols"],"additionalProperties":false,"properties":{"id":{"$ref":"#/$defs/domainName"},"protocols":{"$ref":"#/$defs/protocols"},"provider":{"type":"object","additionalProperties":false,"properties":{"name":{"$ref":"#/$defs/text"},"shortName":{"$ref":"#/$defs/text"}}},"activeSync":{"type":"object","required":["url"],"additionalProperties":false,"properties":{"url":{"$ref":"#/$defs/httpsUrl"}}},"calDav":{"$ref":"#/$defs/serviceUrl"},"cardDav":{"$ref":"#/$defs/serviceUrl"},"redirectUrl":{"$ref":"#/$defs/httpsUrl"},"enabled":{"type":"boolean"},"hasMailboxes":{"$ref":"#/$defs/hasMailboxes"},"updatedAt":{"$ref":"#/$defs/text"},"updatedBy":{"$ref":"#/$defs/text"},"note":{"$ref":"#/$defs/note"}}},"aliasItem":{"type":"object","required":["id","aliasOf"],"additionalProperties":false,"properties":{"id":{"$ref":"#/$defs/domainName"},"aliasOf":{"$ref":"#/$defs/domainName"},"enabled":{"type":"boolean"},"hasMailboxes":{"$ref":"#/$defs/hasMailboxes"},"updatedAt":{"$ref":"#/$defs/text"},"updatedBy":{"$ref":"#/$defs/text"},"note":{"$ref":"#/$defs/note"}}},"mailboxItem":{"type":"object","required":["id"],"additionalProperties":false,"properties":{"id":{"$ref":"#/$defs/mailboxId"},"displayName":{"$ref":"#/$defs/text"},"username":{"$ref":"#/$defs/loginTemplate"},"protocols":{"$ref":"#/$defs/protocols"},"calDav":{"$ref":"#/$defs/serviceUrl"},"cardDav":{"$ref":"#/$defs/serviceUrl"},"redirectAddr":{"$ref":"#/$defs/address"},"updatedAt":{"$ref":"#/$defs/text"},"updatedBy":{"$ref":"#/$defs/text"},"note":{"$ref":"#/$defs/note"}}},"note":{"type":"string","maxLength":2048},"serviceUrl":{"description":"A calendar (CalDAV) or contacts (CardDAV) server: rendered by the formats that carry them (Mozilla autoconfig, Apple profile); POX answers are unchanged.","type":"object","required":["url"],"additionalProperties":false,"properties":{"url":{"$ref":"#/$defs/httpsUrl"}}},"generationItem":{"description":"The table's change counter (id \".generation\": neither a domain nor an address, so no request reads it as one). Every writer increases generation after changing items; caches keep items long while it stays the same.","type":"object","required":["id","generation"],"additionalProperties":false,"properties":{"id":{"const":".generation"},"generation":{"type":"integer","minimum":0}}}}};
const schema32 = {"description":"The table's change counter (id \".generation\": neither a domain nor an address, so no request reads it as one). Every writer increases generation after changing items; caches keep items long while it stays the same.","type":"object","required":["id","generation"],"additionalProperties":false,"properties":{"id":{"const":".generation"},"generation":{"type":"integer","minimum":0}}};
const pattern4 = new RegExp("@", "u");
const schema33 = {"type":"object","required":["id"],"additionalProperties":false,"properties":{"id":{"$ref":"#/$defs/mailboxId"},"displayName":{"$ref":"#/$defs/text"},"username":{"$ref":"#/$defs/loginTemplate"},"protocols":{"$ref":"#/$defs/protocols"},"calDav":{"$ref":"#/$defs/serviceUrl"},"cardDav":{"$ref":"#/$defs/serviceUrl"},"redirectAddr":{"$ref":"#/$defs/address"},"updatedAt":{"$ref":"#/$defs/text"},"updatedBy":{"$ref":"#/$defs/text"},"note":{"$ref":"#/$defs/note"}}};
const schema34 = {"description":"localpart@domain: local part stored lower case, domain as a domain item id.","type":"string","maxLength":254,"pattern":"^[^@A-Z\\u0000-\\u001f\\u007f]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"};
const schema35 = {"type":"string","maxLength":256};
const schema36 = {"description":"Login name template; %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% are filled from the requester's address.","type":"string","minLength":1,"maxLength":256};
const schema43 = {"description":"Any e-mail address (used as a redirect target).","type":"string","maxLength":254,"pattern":"^[^@\\s\\u0000-\\u001f\\u007f]{1,64}@[^@\\s\\u0000-\\u001f\\u007f]{1,253}$"};
const schema46 = {"type":"string","maxLength":2048};
const func1 = Object.prototype.hasOwnProperty;
const func2 = require("ajv/dist/runtime/ucs2length").default;
const pattern5 = new RegExp("^[^@A-Z\\u0000-\\u001f\\u007f]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", "u");
const pattern8 = new RegExp("^[^@\\s\\u0000-\\u001f\\u007f]{1,64}@[^@\\s\\u0000-\\u001f\\u007f]{1,253}$", "u");
const schema37 = {"type":"array","maxItems":32,"items":{"$ref":"#/$defs/protocol"}};
const schema38 = {"type":"object","required":["type","server","port","tls"],"additionalProperties":false,"properties":{"type":{"enum":["IMAP","POP3","SMTP"]},"server":{"description":"Host name (ASCII/punycode) or IPv4 address.","type":"string","maxLength":253,"pattern":"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"},"port":{"type":"integer","minimum":1,"maximum":65535},"tls":{"enum":["implicit","starttls","none"]},"auth":{"enum":["password","spa","none"]},"username":{"$ref":"#/$defs/loginTemplate"},"domainRequired":{"type":"boolean"},"domainName":{"$ref":"#/$defs/text"},"ttl":{"type":"integer","minimum":0,"maximum":8760},"smtpLast":{"type":"boolean"},"usePopAuth":{"type":"boolean"}},"if":{"properties":{"type":{"const":"SMTP"}}},"else":{"properties":{"smtpLast":{"not":{},"description":"SMTP entries only"},"usePopAuth":{"not":{},"description":"SMTP entries only"}}}};
const pattern6 = new RegExp("^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", "u");

function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate23.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs1 = errors;
let valid0 = true;
const _errs2 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type !== undefined){
if("SMTP" !== data.type){
const err0 = {};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
}
var _valid0 = _errs2 === errors;
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
if(!_valid0){
const _errs4 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.smtpLast !== undefined){
const err1 = {instancePath:instancePath+"/smtpLast",schemaPath:"#/else/properties/smtpLast/not",keyword:"not",params:{},message:"must NOT be valid"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.usePopAuth !== undefined){
const err2 = {instancePath:instancePath+"/usePopAuth",schemaPath:"#/else/properties/usePopAuth/not",keyword:"not",params:{},message:"must NOT be valid"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
var _valid0 = _errs4 === errors;
valid0 = _valid0;
if(valid0){
var props0 = {};
props0.smtpLast = true;
props0.usePopAuth = true;
props0.type = true;
}
}
if(!valid0){
const err3 = {instancePath,schemaPath:"#/if",keyword:"if",params:{failingKeyword: "else"},message:"must match \"else\" schema"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data.server === undefined){
const err5 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "server"},message:"must have required property '"+"server"+"'"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data.port === undefined){
const err6 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "port"},message:"must have required property '"+"port"+"'"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(data.tls === undefined){
const err7 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "tls"},message:"must have required property '"+"tls"+"'"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema38.properties, key0))){
const err8 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.type !== undefined){
let data3 = data.type;
if(!(((data3 === "IMAP") || (data3 === "POP3")) || (data3 === "SMTP"))){
const err9 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/enum",keyword:"enum",params:{allowedValues: schema38.properties.type.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.server !== undefined){
let data4 = data.server;
if(typeof data4 === "string"){
if(func2(data4) > 253){
const err10 = {instancePath:instancePath+"/server",schemaPath:"#/properties/server/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(!pattern6.test(data4)){
const err11 = {instancePath:instancePath+"/server",schemaPath:"#/properties/server/pattern",keyword:"pattern",params:{pattern: "^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"},message:"must match pattern \""+"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"+"\""};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/server",schemaPath:"#/properties/server/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.port !== undefined){
let data5 = data.port;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err13 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 65535 || isNaN(data5)){
const err14 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(data5 < 1 || isNaN(data5)){
const err15 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
if(data.tls !== undefined){
let data6 = data.tls;
if(!(((data6 === "implicit") || (data6 === "starttls")) || (data6 === "none"))){
const err16 = {instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/enum",keyword:"enum",params:{allowedValues: schema38.properties.tls.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.auth !== undefined){
let data7 = data.auth;
if(!(((data7 === "password") || (data7 === "spa")) || (data7 === "none"))){
const err17 = {instancePath:instancePath+"/auth",schemaPath:"#/properties/auth/enum",keyword:"enum",params:{allowedValues: schema38.properties.auth.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.username !== undefined){
let data8 = data.username;
if(typeof data8 === "string"){
if(func2(data8) > 256){
const err18 = {instancePath:instancePath+"/username",schemaPath:"#/$defs/loginTemplate/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(func2(data8) < 1){
const err19 = {instancePath:instancePath+"/username",schemaPath:"#/$defs/loginTemplate/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/username",schemaPath:"#/$defs/loginTemplate/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data.domainRequired !== undefined){
if(typeof data.domainRequired !== "boolean"){
const err21 = {instancePath:instancePath+"/domainRequired",schemaPath:"#/properties/domainRequired/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.domainName !== undefined){
let data10 = data.domainName;
if(typeof data10 === "string"){
if(func2(data10) > 256){
const err22 = {instancePath:instancePath+"/domainName",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/domainName",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data.ttl !== undefined){
let data11 = data.ttl;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
const err24 = {instancePath:instancePath+"/ttl",schemaPath:"#/properties/ttl/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 > 8760 || isNaN(data11)){
const err25 = {instancePath:instancePath+"/ttl",schemaPath:"#/properties/ttl/maximum",keyword:"maximum",params:{comparison: "<=", limit: 8760},message:"must be <= 8760"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if(data11 < 0 || isNaN(data11)){
const err26 = {instancePath:instancePath+"/ttl",schemaPath:"#/properties/ttl/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
if(data.smtpLast !== undefined){
if(typeof data.smtpLast !== "boolean"){
const err27 = {instancePath:instancePath+"/smtpLast",schemaPath:"#/properties/smtpLast/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.usePopAuth !== undefined){
if(typeof data.usePopAuth !== "boolean"){
const err28 = {instancePath:instancePath+"/usePopAuth",schemaPath:"#/properties/usePopAuth/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
else {
const err29 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
validate23.errors = vErrors;
return errors === 0;
}
validate23.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate22.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(Array.isArray(data)){
if(data.length > 32){
const err0 = {instancePath,schemaPath:"#/maxItems",keyword:"maxItems",params:{limit: 32},message:"must NOT have more than 32 items"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
const len0 = data.length;
for(let i0=0; i0<len0; i0++){
if(!(validate23(data[i0], {instancePath:instancePath+"/" + i0,parentData:data,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
}
}
else {
const err1 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
validate22.errors = vErrors;
return errors === 0;
}
validate22.evaluated = {"items":true,"dynamicProps":false,"dynamicItems":false};

const schema41 = {"description":"A calendar (CalDAV) or contacts (CardDAV) server: rendered by the formats that carry them (Mozilla autoconfig, Apple profile); POX answers are unchanged.","type":"object","required":["url"],"additionalProperties":false,"properties":{"url":{"$ref":"#/$defs/httpsUrl"}}};
const schema42 = {"type":"string","maxLength":2048,"pattern":"^https://[^\\s/?#]+(?:[/?#]\\S*)?$"};
const pattern7 = new RegExp("^https://[^\\s/?#]+(?:[/?#]\\S*)?$", "u");

function validate26(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate26.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.url === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "url"},message:"must have required property '"+"url"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "url")){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.url !== undefined){
let data0 = data.url;
if(typeof data0 === "string"){
if(func2(data0) > 2048){
const err2 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/httpsUrl/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(!pattern7.test(data0)){
const err3 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/httpsUrl/pattern",keyword:"pattern",params:{pattern: "^https://[^\\s/?#]+(?:[/?#]\\S*)?$"},message:"must match pattern \""+"^https://[^\\s/?#]+(?:[/?#]\\S*)?$"+"\""};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/httpsUrl/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
else {
const err5 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
validate26.errors = vErrors;
return errors === 0;
}
validate26.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate21.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.id === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema33.properties, key0))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.id !== undefined){
let data0 = data.id;
if(typeof data0 === "string"){
if(func2(data0) > 254){
const err2 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/mailboxId/maxLength",keyword:"maxLength",params:{limit: 254},message:"must NOT have more than 254 characters"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(!pattern5.test(data0)){
const err3 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/mailboxId/pattern",keyword:"pattern",params:{pattern: "^[^@A-Z\\u0000-\\u001f\\u007f]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[^@A-Z\\u0000-\\u001f\\u007f]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"+"\""};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/mailboxId/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.displayName !== undefined){
let data1 = data.displayName;
if(typeof data1 === "string"){
if(func2(data1) > 256){
const err5 = {instancePath:instancePath+"/displayName",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/displayName",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.username !== undefined){
let data2 = data.username;
if(typeof data2 === "string"){
if(func2(data2) > 256){
const err7 = {instancePath:instancePath+"/username",schemaPath:"#/$defs/loginTemplate/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(func2(data2) < 1){
const err8 = {instancePath:instancePath+"/username",schemaPath:"#/$defs/loginTemplate/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/username",schemaPath:"#/$defs/loginTemplate/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.protocols !== undefined){
if(!(validate22(data.protocols, {instancePath:instancePath+"/protocols",parentData:data,parentDataProperty:"protocols",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
if(data.calDav !== undefined){
if(!(validate26(data.calDav, {instancePath:instancePath+"/calDav",parentData:data,parentDataProperty:"calDav",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.cardDav !== undefined){
if(!(validate26(data.cardDav, {instancePath:instancePath+"/cardDav",parentData:data,parentDataProperty:"cardDav",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.redirectAddr !== undefined){
let data6 = data.redirectAddr;
if(typeof data6 === "string"){
if(func2(data6) > 254){
const err10 = {instancePath:instancePath+"/redirectAddr",schemaPath:"#/$defs/address/maxLength",keyword:"maxLength",params:{limit: 254},message:"must NOT have more than 254 characters"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(!pattern8.test(data6)){
const err11 = {instancePath:instancePath+"/redirectAddr",schemaPath:"#/$defs/address/pattern",keyword:"pattern",params:{pattern: "^[^@\\s\\u0000-\\u001f\\u007f]{1,64}@[^@\\s\\u0000-\\u001f\\u007f]{1,253}$"},message:"must match pattern \""+"^[^@\\s\\u0000-\\u001f\\u007f]{1,64}@[^@\\s\\u0000-\\u001f\\u007f]{1,253}$"+"\""};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/redirectAddr",schemaPath:"#/$defs/address/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.updatedAt !== undefined){
let data7 = data.updatedAt;
if(typeof data7 === "string"){
if(func2(data7) > 256){
const err13 = {instancePath:instancePath+"/updatedAt",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/updatedAt",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.updatedBy !== undefined){
let data8 = data.updatedBy;
if(typeof data8 === "string"){
if(func2(data8) > 256){
const err15 = {instancePath:instancePath+"/updatedBy",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/updatedBy",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.note !== undefined){
let data9 = data.note;
if(typeof data9 === "string"){
if(func2(data9) > 2048){
const err17 = {instancePath:instancePath+"/note",schemaPath:"#/$defs/note/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/note",schemaPath:"#/$defs/note/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
validate21.errors = vErrors;
return errors === 0;
}
validate21.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema47 = {"type":"object","required":["id","aliasOf"],"additionalProperties":false,"properties":{"id":{"$ref":"#/$defs/domainName"},"aliasOf":{"$ref":"#/$defs/domainName"},"enabled":{"type":"boolean"},"hasMailboxes":{"$ref":"#/$defs/hasMailboxes"},"updatedAt":{"$ref":"#/$defs/text"},"updatedBy":{"$ref":"#/$defs/text"},"note":{"$ref":"#/$defs/note"}}};
const schema48 = {"description":"Lower case ASCII (IDN in punycode), no trailing dot.","type":"string","maxLength":253,"pattern":"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"};
const schema50 = {"description":"Whether mailbox items exist under this domain (ids ending in @ and this domain). false: there are none and the responder never reads them, so a new address costs no read; true: read the address's mailbox item. Absent: unknown, read as if true.","type":"boolean"};
const pattern9 = new RegExp("^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", "u");

function validate30(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate30.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.id === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.aliasOf === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "aliasOf"},message:"must have required property '"+"aliasOf"+"'"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((((((key0 === "id") || (key0 === "aliasOf")) || (key0 === "enabled")) || (key0 === "hasMailboxes")) || (key0 === "updatedAt")) || (key0 === "updatedBy")) || (key0 === "note"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.id !== undefined){
let data0 = data.id;
if(typeof data0 === "string"){
if(func2(data0) > 253){
const err3 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/domainName/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(!pattern9.test(data0)){
const err4 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/domainName/pattern",keyword:"pattern",params:{pattern: "^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"+"\""};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/domainName/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.aliasOf !== undefined){
let data1 = data.aliasOf;
if(typeof data1 === "string"){
if(func2(data1) > 253){
const err6 = {instancePath:instancePath+"/aliasOf",schemaPath:"#/$defs/domainName/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(!pattern9.test(data1)){
const err7 = {instancePath:instancePath+"/aliasOf",schemaPath:"#/$defs/domainName/pattern",keyword:"pattern",params:{pattern: "^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"+"\""};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/aliasOf",schemaPath:"#/$defs/domainName/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.enabled !== undefined){
if(typeof data.enabled !== "boolean"){
const err9 = {instancePath:instancePath+"/enabled",schemaPath:"#/properties/enabled/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.hasMailboxes !== undefined){
if(typeof data.hasMailboxes !== "boolean"){
const err10 = {instancePath:instancePath+"/hasMailboxes",schemaPath:"#/$defs/hasMailboxes/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.updatedAt !== undefined){
let data4 = data.updatedAt;
if(typeof data4 === "string"){
if(func2(data4) > 256){
const err11 = {instancePath:instancePath+"/updatedAt",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/updatedAt",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.updatedBy !== undefined){
let data5 = data.updatedBy;
if(typeof data5 === "string"){
if(func2(data5) > 256){
const err13 = {instancePath:instancePath+"/updatedBy",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/updatedBy",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.note !== undefined){
let data6 = data.note;
if(typeof data6 === "string"){
if(func2(data6) > 2048){
const err15 = {instancePath:instancePath+"/note",schemaPath:"#/$defs/note/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/note",schemaPath:"#/$defs/note/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
validate30.errors = vErrors;
return errors === 0;
}
validate30.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema54 = {"type":"object","required":["id","protocols"],"additionalProperties":false,"properties":{"id":{"$ref":"#/$defs/domainName"},"protocols":{"$ref":"#/$defs/protocols"},"provider":{"type":"object","additionalProperties":false,"properties":{"name":{"$ref":"#/$defs/text"},"shortName":{"$ref":"#/$defs/text"}}},"activeSync":{"type":"object","required":["url"],"additionalProperties":false,"properties":{"url":{"$ref":"#/$defs/httpsUrl"}}},"calDav":{"$ref":"#/$defs/serviceUrl"},"cardDav":{"$ref":"#/$defs/serviceUrl"},"redirectUrl":{"$ref":"#/$defs/httpsUrl"},"enabled":{"type":"boolean"},"hasMailboxes":{"$ref":"#/$defs/hasMailboxes"},"updatedAt":{"$ref":"#/$defs/text"},"updatedBy":{"$ref":"#/$defs/text"},"note":{"$ref":"#/$defs/note"}}};

function validate32(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate32.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.id === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.protocols === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "protocols"},message:"must have required property '"+"protocols"+"'"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema54.properties, key0))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.id !== undefined){
let data0 = data.id;
if(typeof data0 === "string"){
if(func2(data0) > 253){
const err3 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/domainName/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(!pattern9.test(data0)){
const err4 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/domainName/pattern",keyword:"pattern",params:{pattern: "^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"+"\""};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/domainName/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.protocols !== undefined){
if(!(validate22(data.protocols, {instancePath:instancePath+"/protocols",parentData:data,parentDataProperty:"protocols",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
if(data.provider !== undefined){
let data2 = data.provider;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key1 in data2){
if(!((key1 === "name") || (key1 === "shortName"))){
const err6 = {instancePath:instancePath+"/provider",schemaPath:"#/properties/provider/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 256){
const err7 = {instancePath:instancePath+"/provider/name",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/provider/name",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.shortName !== undefined){
let data4 = data2.shortName;
if(typeof data4 === "string"){
if(func2(data4) > 256){
const err9 = {instancePath:instancePath+"/provider/shortName",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/provider/shortName",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/provider",schemaPath:"#/properties/provider/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.activeSync !== undefined){
let data5 = data.activeSync;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.url === undefined){
const err12 = {instancePath:instancePath+"/activeSync",schemaPath:"#/properties/activeSync/required",keyword:"required",params:{missingProperty: "url"},message:"must have required property '"+"url"+"'"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
for(const key2 in data5){
if(!(key2 === "url")){
const err13 = {instancePath:instancePath+"/activeSync",schemaPath:"#/properties/activeSync/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data5.url !== undefined){
let data6 = data5.url;
if(typeof data6 === "string"){
if(func2(data6) > 2048){
const err14 = {instancePath:instancePath+"/activeSync/url",schemaPath:"#/$defs/httpsUrl/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(!pattern7.test(data6)){
const err15 = {instancePath:instancePath+"/activeSync/url",schemaPath:"#/$defs/httpsUrl/pattern",keyword:"pattern",params:{pattern: "^https://[^\\s/?#]+(?:[/?#]\\S*)?$"},message:"must match pattern \""+"^https://[^\\s/?#]+(?:[/?#]\\S*)?$"+"\""};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/activeSync/url",schemaPath:"#/$defs/httpsUrl/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/activeSync",schemaPath:"#/properties/activeSync/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.calDav !== undefined){
if(!(validate26(data.calDav, {instancePath:instancePath+"/calDav",parentData:data,parentDataProperty:"calDav",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.cardDav !== undefined){
if(!(validate26(data.cardDav, {instancePath:instancePath+"/cardDav",parentData:data,parentDataProperty:"cardDav",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.redirectUrl !== undefined){
let data9 = data.redirectUrl;
if(typeof data9 === "string"){
if(func2(data9) > 2048){
const err18 = {instancePath:instancePath+"/redirectUrl",schemaPath:"#/$defs/httpsUrl/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(!pattern7.test(data9)){
const err19 = {instancePath:instancePath+"/redirectUrl",schemaPath:"#/$defs/httpsUrl/pattern",keyword:"pattern",params:{pattern: "^https://[^\\s/?#]+(?:[/?#]\\S*)?$"},message:"must match pattern \""+"^https://[^\\s/?#]+(?:[/?#]\\S*)?$"+"\""};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/redirectUrl",schemaPath:"#/$defs/httpsUrl/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data.enabled !== undefined){
if(typeof data.enabled !== "boolean"){
const err21 = {instancePath:instancePath+"/enabled",schemaPath:"#/properties/enabled/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.hasMailboxes !== undefined){
if(typeof data.hasMailboxes !== "boolean"){
const err22 = {instancePath:instancePath+"/hasMailboxes",schemaPath:"#/$defs/hasMailboxes/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.updatedAt !== undefined){
let data12 = data.updatedAt;
if(typeof data12 === "string"){
if(func2(data12) > 256){
const err23 = {instancePath:instancePath+"/updatedAt",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/updatedAt",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data.updatedBy !== undefined){
let data13 = data.updatedBy;
if(typeof data13 === "string"){
if(func2(data13) > 256){
const err25 = {instancePath:instancePath+"/updatedBy",schemaPath:"#/$defs/text/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/updatedBy",schemaPath:"#/$defs/text/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.note !== undefined){
let data14 = data.note;
if(typeof data14 === "string"){
if(func2(data14) > 2048){
const err27 = {instancePath:instancePath+"/note",schemaPath:"#/$defs/note/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
else {
const err28 = {instancePath:instancePath+"/note",schemaPath:"#/$defs/note/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
else {
const err29 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
validate32.errors = vErrors;
return errors === 0;
}
validate32.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://autodiscover-responder.invalid/tenant-item.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate20.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs1 = errors;
let valid0 = true;
const _errs2 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((data.id === undefined) && (missing0 = "id")){
const err0 = {};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
else {
if(data.id !== undefined){
if(".generation" !== data.id){
const err1 = {};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
}
}
var _valid0 = _errs2 === errors;
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
let ifClause0;
if(_valid0){
const _errs4 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.id === undefined){
const err2 = {instancePath,schemaPath:"#/$defs/generationItem/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.generation === undefined){
const err3 = {instancePath,schemaPath:"#/$defs/generationItem/required",keyword:"required",params:{missingProperty: "generation"},message:"must have required property '"+"generation"+"'"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "id") || (key0 === "generation"))){
const err4 = {instancePath,schemaPath:"#/$defs/generationItem/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.id !== undefined){
if(".generation" !== data.id){
const err5 = {instancePath:instancePath+"/id",schemaPath:"#/$defs/generationItem/properties/id/const",keyword:"const",params:{allowedValue: ".generation"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.generation !== undefined){
let data2 = data.generation;
if(!(((typeof data2 == "number") && (!(data2 % 1) && !isNaN(data2))) && (isFinite(data2)))){
const err6 = {instancePath:instancePath+"/generation",schemaPath:"#/$defs/generationItem/properties/generation/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 < 0 || isNaN(data2)){
const err7 = {instancePath:instancePath+"/generation",schemaPath:"#/$defs/generationItem/properties/generation/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/$defs/generationItem/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid0 = _errs4 === errors;
valid0 = _valid0;
if(valid0){
var props0 = true;
}
ifClause0 = "then";
}
else {
const _errs11 = errors;
const _errs12 = errors;
let valid4 = true;
const _errs13 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.id !== undefined){
let data3 = data.id;
const _errs14 = errors;
if(errors === _errs14){
if(typeof data3 === "string"){
if(!pattern4.test(data3)){
const err9 = {};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
}
var _valid1 = _errs13 === errors;
errors = _errs12;
if(vErrors !== null){
if(_errs12){
vErrors.length = _errs12;
}
else {
vErrors = null;
}
}
let ifClause1;
if(_valid1){
const _errs16 = errors;
if(!(validate21(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
var _valid1 = _errs16 === errors;
valid4 = _valid1;
if(valid4){
var props1 = true;
}
ifClause1 = "then";
}
else {
const _errs17 = errors;
const _errs18 = errors;
let valid6 = true;
const _errs19 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing1;
if((data.aliasOf === undefined) && (missing1 = "aliasOf")){
const err11 = {};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
var _valid2 = _errs19 === errors;
errors = _errs18;
if(vErrors !== null){
if(_errs18){
vErrors.length = _errs18;
}
else {
vErrors = null;
}
}
let ifClause2;
if(_valid2){
const _errs20 = errors;
if(!(validate30(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate30.errors : vErrors.concat(validate30.errors);
errors = vErrors.length;
}
var _valid2 = _errs20 === errors;
valid6 = _valid2;
if(valid6){
var props2 = true;
}
ifClause2 = "then";
}
else {
const _errs21 = errors;
if(!(validate32(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate32.errors : vErrors.concat(validate32.errors);
errors = vErrors.length;
}
var _valid2 = _errs21 === errors;
valid6 = _valid2;
if(valid6){
if(props2 !== true){
props2 = true;
}
}
ifClause2 = "else";
}
if(!valid6){
const err12 = {instancePath,schemaPath:"#/else/else/if",keyword:"if",params:{failingKeyword: ifClause2},message:"must match \""+ifClause2+"\" schema"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var _valid1 = _errs17 === errors;
valid4 = _valid1;
if(valid4){
if(props1 !== true && props2 !== undefined){
if(props2 === true){
props1 = true;
}
else {
props1 = props1 || {};
Object.assign(props1, props2);
}
}
}
ifClause1 = "else";
}
if(!valid4){
const err13 = {instancePath,schemaPath:"#/else/if",keyword:"if",params:{failingKeyword: ifClause1},message:"must match \""+ifClause1+"\" schema"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
var _valid0 = _errs11 === errors;
valid0 = _valid0;
if(valid0){
if(props0 !== true && props1 !== undefined){
if(props1 === true){
props0 = true;
}
else {
props0 = props0 || {};
Object.assign(props0, props1);
}
}
}
ifClause0 = "else";
}
if(!valid0){
const err14 = {instancePath,schemaPath:"#/if",keyword:"if",params:{failingKeyword: ifClause0},message:"must match \""+ifClause0+"\" schema"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.id === undefined){
const err15 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if(props0 !== true){
props0 = props0 || {};
props0.id = true;
}
if(data.id !== undefined){
if(typeof data.id !== "string"){
const err16 = {instancePath:instancePath+"/id",schemaPath:"#/properties/id/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
validate20.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate20.evaluated = {"dynamicProps":true,"dynamicItems":false};

