// What embed.js says, in the page's language (`lang` on the form or on <html>), English where it
// has none of these. A server message it has no words for is shown as the server wrote it.

type Words = {
  sending: string;
  sent: string;
  required: string;
  email: string;
  phone: string;
  consent: string;
  invalid: string;
  fix: string;
  busy: string;
  failed: string;
};

export const embedMessages: Record<"en" | "es" | "fr" | "de", Words> = {
  en: {
    sending: "Sending…",
    sent: "Thank you! We will call you back shortly.",
    required: "Please fill in this field.",
    email: "Please enter a valid email address.",
    phone: "Please enter a valid phone number, with its country code.",
    consent: "Please tick this box so that we may call you.",
    invalid: "Please check this field.",
    fix: "Please correct the fields marked below.",
    busy: "Too many requests. Please try again later.",
    failed: "The form could not be sent. Please try again.",
  },
  es: {
    sending: "Enviando…",
    sent: "¡Gracias! Le llamaremos en breve.",
    required: "Rellene este campo.",
    email: "Introduzca una dirección de correo electrónico válida.",
    phone: "Introduzca un número de teléfono válido, con su prefijo internacional.",
    consent: "Marque esta casilla para que podamos llamarle.",
    invalid: "Revise este campo.",
    fix: "Corrija los campos señalados.",
    busy: "Demasiadas solicitudes. Inténtelo de nuevo más tarde.",
    failed: "No se pudo enviar el formulario. Inténtelo de nuevo.",
  },
  fr: {
    sending: "Envoi…",
    sent: "Merci ! Nous vous rappelons très vite.",
    required: "Veuillez remplir ce champ.",
    email: "Veuillez saisir une adresse e-mail valide.",
    phone: "Veuillez saisir un numéro de téléphone valide, avec son indicatif international.",
    consent: "Veuillez cocher cette case pour que nous puissions vous appeler.",
    invalid: "Veuillez vérifier ce champ.",
    fix: "Veuillez corriger les champs signalés.",
    busy: "Trop de demandes. Veuillez réessayer plus tard.",
    failed: "Le formulaire n’a pas pu être envoyé. Veuillez réessayer.",
  },
  de: {
    sending: "Wird gesendet…",
    sent: "Danke! Wir rufen Sie in Kürze zurück.",
    required: "Bitte füllen Sie dieses Feld aus.",
    email: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    phone: "Bitte geben Sie eine gültige Telefonnummer mit Ländervorwahl ein.",
    consent: "Bitte kreuzen Sie dieses Kästchen an, damit wir Sie anrufen dürfen.",
    invalid: "Bitte prüfen Sie dieses Feld.",
    fix: "Bitte korrigieren Sie die markierten Felder.",
    busy: "Zu viele Anfragen. Bitte versuchen Sie es später erneut.",
    failed: "Das Formular konnte nicht gesendet werden. Bitte versuchen Sie es erneut.",
  },
};
