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
	"node":              {"Served by the registry node of", "Servi par le nœud du registre de"},
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
	"search.go":         {"Search", "Chercher"},
	"search.results":    {"Results", "Résultats"},
	"search.none":       {"No certificate found.", "Aucun certificat trouvé."},
	"search.count":      {"certificates found", "certificats trouvés"},
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
	"fresh.error":       {"last error", "dernière erreur"},
	"cert.title":        {"Certificate", "Certificat"},
	"cert.status":       {"Status today", "Statut aujourd'hui"},
	"cert.employer":     {"Employer", "Employeur"},
	"cert.bn":           {"Business Number", "Numéro d'entreprise"},
	"cert.jurisdiction": {"Issued in", "Délivré dans"},
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
	"cert.signedby":     {"Signed by the registry node of", "Signé par le nœud du registre de"},
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
	"emp.recordby":      {"Record published by", "Dossier publié par"},
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
	"letter.body":       {"The registry of %s certifies that the following Certificate of Recognition is recorded in its signed, tamper-evident registry, with the status shown on the date of this letter.", "Le registre de %s atteste que le certificat de reconnaissance suivant est inscrit dans son registre signé et inviolable, avec le statut indiqué à la date de la présente lettre."},
	"letter.qr":         {"Scan this code, or paste the text below at /verify on any registry node, to check the certificate and its status now.", "Balayez ce code, ou collez le texte ci-dessous à /verify sur n'importe quel nœud du registre, pour vérifier le certificat et son statut maintenant."},
	"letter.passtext":   {"The pass in text form", "Le laissez-passer en format texte"},
	"letter.print":      {"Print this page or save it as a PDF with your browser's Print command.", "Imprimez cette page ou enregistrez-la en PDF avec la commande Imprimer de votre navigateur."},
	"letter.elsewhere":  {"This certificate was issued by another registry; its letter and pass come from that registry's node:", "Ce certificat a été délivré par un autre registre; sa lettre et son laissez-passer viennent du nœud de ce registre :"},
	"letter.signoff":    {"Registry node of %s", "Nœud du registre de %s"},
	"verify.title":      {"Verify a COR pass", "Vérifier un laissez-passer COR"},
	"verify.intro":      {"Paste the pass (it starts with COR1:), upload a picture of its QR code or a text file, or scan it with your camera.", "Collez le laissez-passer (il commence par COR1:), téléversez une image de son code QR ou un fichier texte, ou balayez-le avec votre caméra."},
	"verify.text":       {"Pass text", "Texte du laissez-passer"},
	"verify.file":       {"Or a QR code image or text file", "Ou une image du code QR ou un fichier texte"},
	"verify.scan":       {"Scan with the camera", "Balayer avec la caméra"},
	"verify.stop":       {"Stop the camera", "Arrêter la caméra"},
	"verify.go":         {"Verify", "Vérifier"},
	"verify.holds":      {"The pass holds: the certificate is valid", "Le laissez-passer est valide : le certificat est valide"},
	"verify.fails":      {"The pass does not hold", "Le laissez-passer n'est pas valide"},
	"verify.claims":     {"What the pass says", "Ce que dit le laissez-passer"},
	"verify.unverified": {"(as the pass claims; not verified)", "(selon le laissez-passer; non vérifié)"},
	"verify.list":       {"Status list of %s made %s, index %d", "Liste de statuts de %s produite le %s, index %d"},
	"verify.stale":      {"This status list is stale (older than its time to live).", "Cette liste de statuts est périmée (plus ancienne que sa durée de vie)."},
	"verify.proof":      {"The signed record behind it", "L'enregistrement signé sur lequel il repose"},
	"verify.empty":      {"Give a pass: paste its text, or upload an image or a file.", "Fournissez un laissez-passer : collez son texte, ou téléversez une image ou un fichier."},
	"verify.noqr":       {"No QR code could be read in the image.", "Aucun code QR n'a pu être lu dans l'image."},
	"why.status":        {"The certificate is %s in its registry's status list.", "Le certificat est %s dans la liste de statuts de son registre."},
	"why.signature":     {"The signature does not match any key pinned for the registry it names: the pass is forged or altered.", "La signature ne correspond à aucune clé épinglée pour le registre qu'il nomme : le laissez-passer est contrefait ou modifié."},
	"why.expired":       {"The pass has expired.", "Le laissez-passer est expiré."},
	"why.malformed":     {"This is not a well-formed COR pass.", "Ce n'est pas un laissez-passer COR bien formé."},
	"why.list":          {"Its registry's status list could not be obtained or checked, so nothing can be said about its status.", "La liste de statuts de son registre n'a pu être obtenue ou vérifiée; on ne peut donc rien dire de son statut."},
	"why.detail":        {"Technical detail", "Détail technique"},
	"err.notfound":      {"Not found", "Introuvable"},
	"err.notfound.text": {"Nothing here matches what you asked for.", "Rien ici ne correspond à votre demande."},
	"err.bad":           {"That request cannot be answered", "Cette demande ne peut pas recevoir de réponse"},
	"err.server":        {"Something went wrong on this node; the error is logged.", "Une erreur s'est produite sur ce nœud; elle est consignée."},
	"status.invalid":    {"no longer valid (cancelled, revoked, expired or superseded)", "plus valide (annulé, révoqué, expiré ou remplacé)"},
	"yes":               {"yes", "oui"},
	"no":                {"no", "non"},
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

func jurName(l equivalence.Lang, j registry.Jurisdiction) string {
	if n, ok := jurisdictionNames[j]; ok {
		return n[idx(l)]
	}
	return string(j)
}
