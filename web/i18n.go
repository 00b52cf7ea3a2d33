package web

import (
	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// messages holds every word the pages show, in English and French.
var messages = map[string][2]string{
	"site":              {"COR registry", "Registre des COR"},
	"tagline":           {"Certificates of Recognition across Canada, signed and verifiable", "Certificats de reconnaissance au Canada, signés et vérifiables"},
	"skip":              {"Skip to content", "Passer au contenu"},
	"nav":               {"Main menu", "Menu principal"},
	"nav.search":        {"Search", "Recherche"},
	"nav.check":         {"Recognition check", "Vérifier la reconnaissance"},
	"nav.verify":        {"Verify a pass", "Vérifier un laissez-passer"},
	"switch":            {"Français", "English"},
	"node":              {"Served by the registry node of", "Servi par le nœud du registre"},
	"api":               {"API reference", "Référence de l'API"},
	"search.title":      {"Find a certificate", "Trouver un certificat"},
	"search.intro":      {"Search every province's and territory's registry at once.", "Cherchez dans les registres de toutes les provinces et de tous les territoires à la fois."},
	"search.q":          {"Business Number, employer name, certificate number or WCB account", "Numéro d'entreprise, nom de l'employeur, numéro de certificat ou compte auprès de la commission des accidents du travail"},
	"search.by":         {"Search by", "Chercher par"},
	"by.auto":           {"Guess from what I typed", "Deviner d'après ma saisie"},
	"by.bn":             {"Business Number (BN9)", "Numéro d'entreprise (NE9)"},
	"by.name":           {"Employer name", "Nom de l'employeur"},
	"by.number":         {"Certificate number", "Numéro de certificat"},
	"by.wcb":            {"WCB account", "Compte de la commission"},
	"search.toolong":    {"That search is too long: at most %d characters.", "Cette recherche est trop longue : au plus %d caractères."},
	"search.go":         {"Search", "Chercher"},
	"search.results":    {"Results", "Résultats"},
	"search.none":       {"No certificate found.", "Aucun certificat trouvé."},
	"search.count":      {"certificates found", "certificats trouvés"},
	"search.count1":     {"1 certificate found", "1 certificat trouvé"},
	"search.asof":       {"Status on", "Statut le"},
	"col.certificate":   {"Certificate", "Certificat"},
	"col.employer":      {"Employer (BN)", "Employeur (NE)"},
	"col.program":       {"Program", "Programme"},
	"col.jurisdiction":  {"Province or territory", "Province ou territoire"},
	"col.status":        {"Status", "Statut"},
	"col.expires":       {"Expires", "Expire le"},
	"fresh.title":       {"How fresh each registry's data is", "Fraîcheur des données de chaque registre"},
	"fresh.self":        {"this node: live", "ce nœud : en direct"},
	"fresh.ago":         {"synced %d s ago", "synchronisé il y a %d s"},
	"fresh.never":       {"never synced", "jamais synchronisé"},
	"fresh.entries":     {"entries", "entrées"},
	"fresh.error":       {"its registry could not be reached at the last attempt", "son registre n'a pu être joint à la dernière tentative"},
	"cert.title":        {"Certificate", "Certificat"},
	"cert.status":       {"Status today", "Statut aujourd'hui"},
	"cert.employer":     {"Employer", "Employeur"},
	"cert.bn":           {"Business Number", "Numéro d'entreprise"},
	"cert.jurisdiction": {"Issued in", "Délivré"},
	"cert.issuer":       {"Certifying partner", "Partenaire de certification"},
	"cert.program":      {"Program", "Programme"},
	"cert.number":       {"Certificate number", "Numéro de certificat"},
	"cert.sector":       {"Sector", "Secteur"},
	"cert.scope":        {"Industry scope", "Portée industrielle"},
	"cert.wcb":          {"WCB accounts", "Comptes auprès de la commission"},
	"cert.issued":       {"Issued on", "Délivré le"},
	"cert.expires":      {"Expires on (valid through that day)", "Expire le (valide toute cette journée)"},
	"cert.history":      {"Status history", "Historique des statuts"},
	"cert.date":         {"Date", "Date"},
	"cert.reason":       {"Reason", "Motif"},
	"cert.versions":     {"Signed versions", "Versions signées"},
	"cert.version":      {"Version", "Version"},
	"cert.seq":          {"Log entry", "Entrée du journal"},
	"cert.signedat":     {"Signed at (UTC)", "Signée le (UTC)"},
	"cert.proof":        {"Who signed it, and what this node checked", "Qui l'a signé, et ce que ce nœud a vérifié"},
	"cert.signedby":     {"Signed by the registry node of", "Signé par le nœud du registre"},
	"cert.key":          {"with key", "avec la clé"},
	"cert.ok":           {"Verified now: the signature matches the key pinned for this registry, and the record is in its tamper-evident log", "Vérifié à l'instant : la signature correspond à la clé épinglée pour ce registre, et l'enregistrement figure dans son journal inviolable"},
	"cert.logpos":       {"entry %d of a log of %d entries, checked against the checkpoint it signed", "entrée %d d'un journal de %d entrées, vérifiée par rapport au point de contrôle qu'il a signé"},
	"cert.bad":          {"NOT verified", "NON vérifié"},
	"cert.letter":       {"Printable verification letter (with the QR pass)", "Lettre de vérification imprimable (avec le laissez-passer QR)"},
	"cert.check":        {"Check recognition in another province", "Vérifier la reconnaissance dans une autre province"},
	"cert.pass":         {"The pass alone", "Le laissez-passer seul"},
	"emp.title":         {"Employer", "Employeur"},
	"emp.names":         {"Operating names", "Noms commerciaux"},
	"emp.accounts":      {"WCB accounts", "Comptes auprès de la commission"},
	"emp.recordby":      {"Record published by %s", "Dossier publié par le registre %s"},
	"emp.certs":         {"Certificates", "Certificats"},
	"emp.unknown":       {"No registry has an employer record for this Business Number.", "Aucun registre n'a de dossier d'employeur pour ce numéro d'entreprise."},
	"check.title":       {"Recognition check", "Vérification de la reconnaissance"},
	"check.intro":       {"May this employer bid or work in this province or territory on this date? The answer is decided from signed records and comes with a signed proof.", "Cet employeur peut-il soumissionner ou travailler dans cette province ou ce territoire à cette date? La réponse est tirée d'enregistrements signés et accompagnée d'une preuve signée."},
	"check.bn":          {"Employer's Business Number (9 digits)", "Numéro d'entreprise de l'employeur (9 chiffres)"},
	"check.host":        {"Province or territory where the work is", "Province ou territoire des travaux"},
	"check.use":         {"For", "Pour"},
	"check.bid":         {"bidding on work", "soumissionner"},
	"check.work":        {"doing the work", "exécuter les travaux"},
	"check.on":          {"On (date)", "Le (date)"},
	"check.on.hint":     {"YYYY-MM-DD; empty: today", "AAAA-MM-JJ; vide : aujourd'hui"},
	"check.sector":      {"Sector or industry code (optional)", "Secteur ou code d'industrie (facultatif)"},
	"check.go":          {"Check", "Vérifier"},
	"check.answer":      {"Answer", "Réponse"},
	"check.basis":       {"Basis:", "Fondement :"},
	"check.valid":       {"Valid from %s through %s", "Valide du %s au %s inclusivement"},
	"check.conditions":  {"Conditions", "Conditions"},
	"check.met":         {"met", "remplie"},
	"check.open":        {"to confirm", "à confirmer"},
	"check.reasons":     {"Why", "Pourquoi"},
	"check.proof":       {"Signed proof (check it with corfed verify)", "Preuve signée (à vérifier avec corfed verify)"},
	"check.fix":         {"Please correct the following:", "Veuillez corriger ce qui suit :"},
	"letter.title":      {"Verification letter", "Lettre de vérification"},
	"letter.date":       {"Date", "Date"},
	"letter.to":         {"To whom it may concern,", "À qui de droit,"},
	"letter.body":       {"The registry of %s certifies that the following Certificate of Recognition is recorded in its signed, tamper-evident registry, with the status shown on the date of this letter.", "Le registre %s atteste que le certificat de reconnaissance suivant est inscrit dans son registre signé et inviolable, avec le statut indiqué à la date de la présente lettre."},
	"letter.qr":         {"The COR pass: scan this code on the Verify page of any registry node (or with corfed verify), or paste the text below there, to check the certificate and its status now, with its signature.", "Le laissez-passer COR : balayez ce code à la page Vérifier de n'importe quel nœud du registre (ou avec corfed verify), ou collez-y le texte ci-dessous, pour vérifier le certificat et son statut maintenant, avec sa signature."},
	"letter.link":       {"With a phone's camera, this code opens the certificate's page on the site of the registry of %s%s", "Avec l'appareil photo d'un téléphone, ce code ouvre la page du certificat sur le site du registre %s%s"},
	"letter.linkcheck":  {"Check that the address is the registry's before you trust the page.", "Vérifiez que l'adresse est bien celle du registre avant de vous fier à la page."},
	"letter.linktitle":  {"Link to the certificate's page", "Lien vers la page du certificat"},
	"letter.passtext":   {"The pass in text form", "Le laissez-passer en format texte"},
	"letter.print":      {"Print this page or save it as a PDF with your browser's Print command.", "Imprimez cette page ou enregistrez-la en PDF avec la commande Imprimer de votre navigateur."},
	"letter.elsewhere":  {"This certificate was issued by another registry; its letter and pass come from that registry's node:", "Ce certificat a été délivré par un autre registre; sa lettre et son laissez-passer viennent du nœud de ce registre :"},
	"letter.signoff":    {"Registry node of %s", "Nœud du registre %s"},
	"verify.title":      {"Verify a COR pass", "Vérifier un laissez-passer COR"},
	"verify.intro":      {"Paste the pass (it starts with COR1:), upload a picture of its QR code or a text file, or scan it with your camera.", "Collez le laissez-passer (il commence par COR1:), téléversez une image de son code QR ou un fichier texte, ou balayez-le avec votre caméra."},
	"verify.text":       {"Pass text", "Texte du laissez-passer"},
	"verify.file":       {"Or a QR code image or text file", "Ou une image du code QR ou un fichier texte"},
	"verify.scan":       {"Scan with the camera", "Balayer avec la caméra"},
	"verify.stop":       {"Stop the camera", "Arrêter la caméra"},
	"verify.go":         {"Verify", "Vérifier"},
	"verify.holds":      {"The pass holds: the certificate is valid", "Le laissez-passer est valide : le certificat est valide"},
	"verify.holdsin":    {"The pass holds: the certificate is valid %s", "Le laissez-passer est valide : le certificat est valide %s"},
	"verify.elsewhere":  {"Valid %s does not mean recognized %s: whether this certificate counts here for bidding or for work is a separate question, which the recognition check answers.", "Être valide %s ne veut pas dire être reconnu %s : savoir si ce certificat compte ici pour soumissionner ou pour exécuter des travaux est une autre question, à laquelle répond la vérification de la reconnaissance."},
	"verify.checkwork":  {"Check recognition %s for doing the work", "Vérifier la reconnaissance %s pour exécuter les travaux"},
	"verify.checkbid":   {"Check recognition %s for bidding", "Vérifier la reconnaissance %s pour soumissionner"},
	"verify.unsure":     {"Signature valid, status not confirmed", "Signature valide, statut non confirmé"},
	"verify.unchecked":  {"The pass could not be checked", "Le laissez-passer n'a pas pu être vérifié"},
	"why.stale":         {"A current status list could not be had from its registry: the one used is older than its time to live, so a recent suspension or revocation may not show. Do not rely on it without a current check.", "Une liste de statuts à jour n'a pu être obtenue de son registre : celle utilisée a dépassé sa durée de vie, si bien qu'une suspension ou une révocation récente peut ne pas y paraître. Ne vous y fiez pas sans une vérification à jour."},
	"why.superseded":    {"The certificate has been corrected since this pass was issued (its scope or accounts): ask its holder for a new pass.", "Le certificat a été corrigé depuis la délivrance de ce laissez-passer (sa portée ou ses comptes) : demandez-en un nouveau à son titulaire."},
	"why.behindstale":   {"This node's copy of its registry is not current (its last sync failed or is late), so the pass cannot be checked here now: check it on its registry's own site.", "La copie que ce nœud tient de son registre n'est pas à jour (sa dernière synchronisation a échoué ou tarde); le laissez-passer ne peut donc pas être vérifié ici pour l'instant : vérifiez-le sur le site de son propre registre."},
	"why.newkey":        {"It is signed by a key of the registry of %s that this node does not know yet (the registry may have just changed keys): it cannot be checked here now. Try again after this node's next sync, or check it on that registry's own site; until then, do not rely on it.", "Il est signé par une clé du registre %s que ce nœud ne connaît pas encore (le registre vient peut-être de changer de clé) : il ne peut pas être vérifié ici pour l'instant. Réessayez après la prochaine synchronisation de ce nœud, ou vérifiez-le sur le site de ce registre; d'ici là, ne vous y fiez pas."},
	"why.future":        {"The pass is dated in the future: the clock of this node or of its registry is wrong. Try again later.", "Le laissez-passer est daté dans le futur : l'horloge de ce nœud ou de son registre est fausse. Réessayez plus tard."},
	"verify.fails":      {"The pass does not hold", "Le laissez-passer n'est pas valide"},
	"verify.claims":     {"What the pass says", "Ce que dit le laissez-passer"},
	"verify.unverified": {"(as the pass claims; not verified)", "(selon le laissez-passer; non vérifié)"},
	"verify.list":       {"Status list of %s made %s, index %d", "Liste de statuts %s produite le %s, index %d"},
	"verify.stale":      {"This status list is stale (older than its time to live).", "Cette liste de statuts est périmée (plus ancienne que sa durée de vie)."},
	"verify.proof":      {"The signed record behind it", "L'enregistrement signé sur lequel il repose"},
	"verify.toolong":    {"That is too long to be a pass (at most %d characters here): paste only the pass, which starts with COR1:.", "C'est trop long pour être un laissez-passer (au plus %d caractères ici) : collez seulement le laissez-passer, qui commence par COR1:."},
	"verify.empty":      {"Give a pass: paste its text, or upload an image or a file.", "Fournissez un laissez-passer : collez son texte, ou téléversez une image ou un fichier."},
	"verify.noqr":       {"No QR code could be read in the image.", "Aucun code QR n'a pu être lu dans l'image."},
	"why.status":        {"The certificate is %s in its registry's status list.", "Le certificat est %s dans la liste de statuts de son registre."},
	"why.signature":     {"The signature does not match any key pinned for the registry it names: the pass is forged or altered.", "La signature ne correspond à aucune clé épinglée pour le registre qu'il nomme : le laissez-passer est contrefait ou modifié."},
	"why.expired":       {"The pass has expired.", "Le laissez-passer est expiré."},
	"why.malformed":     {"This is not a well-formed COR pass.", "Ce n'est pas un laissez-passer COR bien formé."},
	"why.list":          {"Its registry's status list could not be obtained or checked, so nothing can be said about its status.", "La liste de statuts de son registre n'a pu être obtenue ou vérifiée; on ne peut donc rien dire de son statut."},
	"why.log":           {"The pass is signed, but what it says is not in its registry's log: it is forged, do not rely on it.", "Le laissez-passer est signé, mais ce qu'il affirme ne figure pas au journal de son registre : il est contrefait, ne vous y fiez pas."},
	"why.behind":        {"This node does not yet hold the part of its registry's log the pass rests on. Try again in a minute.", "Ce nœud ne détient pas encore la partie du journal de son registre sur laquelle repose le laissez-passer. Réessayez dans une minute."},
	"why.logstatus":     {"The certificate is %s in its registry's log, whatever its status list says.", "Le certificat est %s au journal de son registre, quoi qu'en dise sa liste de statuts."},
	"why.detail":        {"Technical detail", "Détail technique (en anglais)"},
	"err.notfound":      {"Not found", "Introuvable"},
	"err.notfound.text": {"Nothing here matches what you asked for.", "Rien ici ne correspond à votre demande."},
	"err.bad":           {"That request cannot be answered", "Cette demande ne peut pas recevoir de réponse"},
	"err.server":        {"Something went wrong on this node; the error is logged.", "Une erreur s'est produite sur ce nœud; elle est consignée."},
	"err.conflict":      {"That cannot be done to the record as it stands.", "Cela ne peut pas se faire sur l'enregistrement dans son état actuel."},
	"cert.copy":         {"Source: %s, through this node's copy of its registry, last synced %s.", "Source : %s, par la copie que ce nœud tient de son registre, synchronisée le %s."},
	"cert.stalecopy":    {"Not confirmed: this node's copy of the registry of %s was last synced %s, and its sync has failed or is late since; the status may have changed.", "Non confirmé : la copie que ce nœud tient du registre %s a été synchronisée pour la dernière fois le %s, et sa synchronisation a depuis échoué ou tarde; le statut a pu changer."},
	"check.stale":       {"Not confirmed: this answer reads copies of registries this node has not synced lately, and may have changed since.", "Non confirmé : cette réponse lit des copies de registres que ce nœud n'a pas synchronisées récemment; elle a pu changer depuis."},
	"list.stale":        {"Not confirmed: last synced %s", "Non confirmé : synchronisé pour la dernière fois le %s"},
	"check.staleone":    {"%s: last synced %s", "%s : synchronisé pour la dernière fois le %s"},
	"letter.nofit":      {"No pass can be issued for this certificate: with its identifiers and this registry's address, it would not fit in a QR code of the size passes use. The certificate's page and this letter show its record; check its status on the registry's site.", "Aucun laissez-passer ne peut être délivré pour ce certificat : avec ses identifiants et l'adresse de ce registre, il ne tiendrait pas dans un code QR de la taille des laissez-passer. La page du certificat et la présente lettre en montrent l'enregistrement; vérifiez son statut sur le site du registre."},
	"letter.size":       {"%d characters", "%d caractères"},
	"letter.nopass":     {"No pass is issued: the certificate is %s, and a pass is issued only for a certificate that may still hold.", "Aucun laissez-passer n'est délivré : le certificat est %s, et un laissez-passer n'est délivré que pour un certificat qui peut encore être valide."},
	"table.scroll":      {"(table, scrolls sideways)", "(tableau, défile horizontalement)"},
	"cert.notverified":  {"Not verified: do not rely on this record", "Non vérifié : ne vous fiez pas à cet enregistrement"},
	"colon":             {":", " :"},
	"cert.unverified":   {"Its signature or its log proof does not verify: do not rely on it.", "Sa signature ou sa preuve de journal ne se vérifie pas : ne vous y fiez pas."},
	// What the pages say of a value that is refused, by field. An English
	// page shows the validator's own reason; a French page, these.
	"invalid":               {"That value is not valid.", "Cette valeur n'est pas valide."},
	"invalid.bn":            {"A Business Number (BN9) has 9 digits, the last a check digit: this is not one.", "Un numéro d'entreprise (NE9) compte 9 chiffres, dont le dernier est un chiffre de contrôle : ce n'en est pas un."},
	"invalid.on":            {"A real calendar date, as YYYY-MM-DD.", "Une date réelle du calendrier, au format AAAA-MM-JJ."},
	"invalid.sector":        {"A sector name such as \"construction\" or an industry code of 2 to 10 digits.", "Un nom de secteur comme « construction » ou un code d'industrie de 2 à 10 chiffres."},
	"invalid.use":           {"Bidding on work or doing the work.", "Soumissionner ou exécuter les travaux."},
	"invalid.host":          {"A province or territory (ISO 3166-2:CA code such as CA-AB).", "Une province ou un territoire (code ISO 3166-2:CA comme CA-AB)."},
	"invalid.name":          {"The name has no letters or digits to search for.", "Le nom ne contient aucune lettre ni aucun chiffre à chercher."},
	"invalid.number":        {"A certificate number: letters, digits, '.', '_' or '-'.", "Un numéro de certificat : lettres, chiffres, « . », « _ » ou « - »."},
	"invalid.wcb":           {"A WCB account: 3 to 20 letters, digits or '-'.", "Un compte auprès de la commission : 3 à 20 lettres, chiffres ou « - »."},
	"status.invalid":        {"no longer valid (cancelled, revoked, expired or superseded)", "invalide (annulé, révoqué, expiré ou remplacé)"},
	"cert.under":            {"issued under program", "délivré en vertu du programme"},
	"basis.title":           {"Audit basis and maintenance", "Fondement de l'audit et maintien"},
	"basis.kind":            {"Issued on the basis of", "Délivré sur le fondement"},
	"basis.audit":           {"an audit", "d'un audit"},
	"basis.iso_equivalency": {"an ISO/CSA 45001 equivalency", "d'une équivalence ISO/CSA 45001"},
	"audit.type":            {"Audit", "Audit"},
	"audit.program":         {"program", "programme"},
	"audit.cp":              {"Recorded by (certifying partner)", "Enregistré par (partenaire de certification)"},
	"audit.onsite":          {"On site", "Sur place"},
	"audit.submitted":       {"Report submitted on", "Rapport soumis le"},
	"audit.overall":         {"Overall score", "Note globale"},
	"audit.passed":          {"passed", "réussi"},
	"audit.failed":          {"failed", "échoué"},
	"audit.auditors":        {"Auditors", "Auditeurs"},
	"audit.certification":   {"certification audit", "audit de certification"},
	"audit.recertification": {"recertification audit", "audit de recertification"},
	"audit.maintenance":     {"maintenance audit", "audit de maintien"},
	"audit.action_plan":     {"action plan", "plan d'action"},
	"audit.self_assessment": {"self-assessment", "autoévaluation"},
	"audit.iso_equivalency": {"ISO/CSA equivalency review", "examen d'équivalence ISO/CSA"},
	"maint.title":           {"Maintenance", "Maintien"},
	"maint.intro":           {"Maintenance audits the rules of program %s require in years 2 and 3, and their state on %s.", "Audits de maintien qu'exigent les règles du programme %s les années 2 et 3, et leur état le %s."},
	"maint.year":            {"Certificate year", "Année du certificat"},
	"maint.window":          {"Window", "Période"},
	"maint.dueon":           {"Due on", "Échéance"},
	"maint.doneon":          {"Done on (audit)", "Effectué le (audit)"},
	"maint.done":            {"done", "effectué"},
	"maint.due":             {"due", "à faire"},
	"maint.overdue":         {"overdue", "en retard"},
	"maint.none":            {"The program requires no maintenance audit.", "Le programme n'exige aucun audit de maintien."},
	"maint.untracked":       {"This node holds no audit or equivalency record behind this certificate (its certifying partner may keep its audits in its own system), so it shows no maintenance state.", "Ce nœud ne détient aucun enregistrement d'audit ou d'équivalence à l'origine de ce certificat (son partenaire de certification peut tenir ses audits dans son propre système); il n'indique donc aucun état de maintien."},
	"aud.title":             {"Auditor", "Auditeur"},
	"aud.status":            {"Status today", "Statut aujourd'hui"},
	"aud.id":                {"Registry id", "Identifiant au registre"},
	"aud.home":              {"Registered by", "Inscrit par"},
	"aud.audits":            {"Audits recorded across the federation", "Audits enregistrés dans la fédération"},
	"aud.credentials":       {"Credentials", "Titres"},
	"aud.cp":                {"Certifying partner", "Partenaire de certification"},
	"aud.kind":              {"Kind", "Type"},
	"aud.certifiedon":       {"Certified on", "Certifié le"},
	"aud.expireson":         {"Expires on", "Expire le"},
	"aud.discipline":        {"Discipline", "Mesures disciplinaires"},
	"aud.body":              {"Taken by", "Prise par"},
	"aud.action":            {"Action", "Mesure"},
	"aud.nodiscipline":      {"No discipline action recorded by any province or territory.", "Aucune mesure disciplinaire enregistrée par une province ou un territoire."},
	"aud.candidate":         {"candidate", "candidat"},
	"aud.certified":         {"certified", "certifié"},
	"aud.suspended":         {"suspended", "suspendu"},
	"aud.revoked":           {"revoked", "révoqué"},
	"aud.lapsed":            {"lapsed", "échu"},
	"aud.uncertified":       {"not certified", "non certifié"},
	"cred.external":         {"external", "externe"},
	"cred.peer":             {"peer", "pair"},
	"cred.internal":         {"internal", "interne"},
	"cred.candidate":        {"candidate", "candidat"},
	"disc.reprimand":        {"reprimand", "réprimande"},
	"disc.suspend":          {"suspension", "suspension"},
	"disc.revoke":           {"revocation", "révocation"},
	"disc.reinstate":        {"reinstatement", "réintégration"},
	"yes":                   {"yes", "oui"},
	"no":                    {"no", "non"},
}

// jurisdictionNames are the provinces' and territories' names.
var jurisdictionNames = map[registry.Jurisdiction][2]string{
	"CA-AB": {"Alberta", "Alberta"},
	"CA-BC": {"British Columbia", "Colombie-Britannique"},
	"CA-MB": {"Manitoba", "Manitoba"},
	"CA-NB": {"New Brunswick", "Nouveau-Brunswick"},
	"CA-NL": {"Newfoundland and Labrador", "Terre-Neuve-et-Labrador"},
	"CA-NS": {"Nova Scotia", "Nouvelle-Écosse"},
	"CA-ON": {"Ontario", "Ontario"},
	"CA-PE": {"Prince Edward Island", "Île-du-Prince-Édouard"},
	"CA-QC": {"Quebec", "Québec"},
	"CA-SK": {"Saskatchewan", "Saskatchewan"},
	"CA-NT": {"Northwest Territories", "Territoires du Nord-Ouest"},
	"CA-NU": {"Nunavut", "Nunavut"},
	"CA-YT": {"Yukon", "Yukon"},
}

func idx(l equivalence.Lang) int {
	if l == equivalence.French {
		return 1
	}
	return 0
}

// msg is key in l; a missing key shows as itself (TestCatalog forbids it).
func msg(l equivalence.Lang, key string) string {
	if m, ok := messages[key]; ok {
		return m[idx(l)]
	}
	return key
}

// frOf is each jurisdiction's name after "de" in French, article and
// contraction included: "le registre de l'Alberta", "du Manitoba".
var frOf = map[registry.Jurisdiction]string{
	"CA-AB": "de l'Alberta", "CA-BC": "de la Colombie-Britannique", "CA-MB": "du Manitoba",
	"CA-NB": "du Nouveau-Brunswick", "CA-NL": "de Terre-Neuve-et-Labrador", "CA-NS": "de la Nouvelle-Écosse",
	"CA-NT": "des Territoires du Nord-Ouest", "CA-NU": "du Nunavut", "CA-ON": "de l'Ontario",
	"CA-PE": "de l'Île-du-Prince-Édouard", "CA-QC": "du Québec", "CA-SK": "de la Saskatchewan", "CA-YT": "du Yukon",
}

// frIn is each jurisdiction's name after "in" in French, with the
// preposition its gender and form take: "en Alberta", "au Manitoba",
// "aux Territoires du Nord-Ouest", "à l'Île-du-Prince-Édouard".
var frIn = map[registry.Jurisdiction]string{
	"CA-AB": "en Alberta", "CA-BC": "en Colombie-Britannique", "CA-MB": "au Manitoba",
	"CA-NB": "au Nouveau-Brunswick", "CA-NL": "à Terre-Neuve-et-Labrador", "CA-NS": "en Nouvelle-Écosse",
	"CA-NT": "aux Territoires du Nord-Ouest", "CA-NU": "au Nunavut", "CA-ON": "en Ontario",
	"CA-PE": "à l'Île-du-Prince-Édouard", "CA-QC": "au Québec", "CA-SK": "en Saskatchewan", "CA-YT": "au Yukon",
}

// jurIn is a jurisdiction's name as a complement of place: "in Alberta",
// "en Alberta", "au Manitoba".
func jurIn(l equivalence.Lang, j registry.Jurisdiction) string {
	if l == equivalence.French {
		if s, ok := frIn[j]; ok {
			return s
		}
		return "dans " + string(j)
	}
	return "in " + jurName(l, j)
}

// jurIssued is a jurisdiction's name after the label "Issued in" /
// "Délivré": the name in English, "en Alberta", "au Manitoba" in French.
func jurIssued(l equivalence.Lang, j registry.Jurisdiction) string {
	if l == equivalence.French {
		return jurIn(l, j)
	}
	return jurName(l, j)
}

// jurOf is a jurisdiction's name as the complement of a noun ("the
// registry of Alberta"): the name in English, "de l'Alberta" in French,
// where the catalog's text leaves out the "de".
func jurOf(l equivalence.Lang, j registry.Jurisdiction) string {
	if l == equivalence.French {
		if s, ok := frOf[j]; ok {
			return s
		}
		return "de " + string(j)
	}
	return jurName(l, j)
}

func jurName(l equivalence.Lang, j registry.Jurisdiction) string {
	if n, ok := jurisdictionNames[j]; ok {
		return n[idx(l)]
	}
	return string(j)
}
