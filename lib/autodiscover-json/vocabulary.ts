// The Autodiscover v2 (JSON) vocabulary as data: the query parameters, the
// protocol names Exchange Online knows and the two we serve, and the error
// codes with their fixed messages. Nothing else spells these strings.

/** The path of the query form; the path form is `<this>/v1.0/<address>`. */
export const JSON_PATH = '/autodiscover/autodiscover.json';

/** The only version segment of the path form (compared case-insensitively). */
export const PATH_FORM_VERSION = 'v1.0';

/** Query parameter names, lower case (names match case-insensitively). `RedirectCount` is accepted and ignored: we never redirect. */
export const PARAMETERS = { email: 'email', protocol: 'protocol' } as const;

/** Where the `AutodiscoverV1` answer points on the requested host: our POX endpoint. */
export const POX_PATH = '/autodiscover/autodiscover.xml';

export type ServedProtocol = 'AutodiscoverV1' | 'ActiveSync';

/** Protocols we answer, by lower-cased name (Outlook sends `Autodiscoverv1`). The answer spells the canonical name. */
export const SERVED_PROTOCOLS: ReadonlyMap<string, ServedProtocol> = new Map([
  ['autodiscoverv1', 'AutodiscoverV1'],
  ['activesync', 'ActiveSync'],
]);

/**
 * Names Exchange Online answers (pox-protocol.md §6.2, plus `AutodiscoverV2`)
 * that carry nothing for a mail-only host: `ProtocolNotSupported`, not
 * `InvalidProtocol`, so a client learns the name is right and the service absent.
 */
export const UNSERVED_EXCHANGE_PROTOCOLS: ReadonlySet<string> = new Set(
  [
    'AutodiscoverV2', 'Ews', 'Rest', 'Substrate', 'SubstrateSearchService', 'SubstrateNotificationService',
    'OutlookMeetingScheduler', 'OutlookPay', 'Actions', 'Connectors', 'ConnectorsProcessors', 'ConnectorsWebhook',
    'NotesClient', 'OwaPoweredExperience', 'OwaPoweredExperienceV2', 'ToDo', 'Weve', 'OutlookLocationsService',
    'OutlookCloudSettingsService', 'OutlookTailoredExperiences', 'Speedway', 'SpeechAndLanguagePersonalization',
    'SubstrateSignalService', 'CompliancePolicyService',
  ].map((name) => name.toLowerCase()),
);

export type JsonErrorCode = 'MandatoryParameterMissing' | 'MissingProtocol' | 'InvalidProtocol' | 'ProtocolNotSupported';

/** Error codes and their fixed messages: never a word of the request in them. */
export const JSON_ERRORS: Readonly<Record<JsonErrorCode, string>> = {
  MandatoryParameterMissing: 'One valid e-mail address is required, in the query parameter Email or the path /v1.0/<address>.',
  MissingProtocol: 'A value must be given for the query parameter Protocol.',
  InvalidProtocol: 'The given protocol value is invalid. Supported values are AutodiscoverV1 and ActiveSync.',
  ProtocolNotSupported: 'The given protocol is not served here. Supported values are AutodiscoverV1, and ActiveSync where the domain has an ActiveSync endpoint.',
};
