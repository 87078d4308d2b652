# Insignia: español (páginas públicas completas; el resto recurre al inglés).

## Navegación y palabras comunes
nav-skip = Ir al contenido
nav-label = Principal
nav-verify = Verificar una insignia
nav-dashboard = Panel
nav-login = Iniciar sesión
nav-logout = Cerrar sesión
nav-language = Idioma
common-footer = Insignia · Open Badges 3.0 y 2.0 de código abierto · cada insignia puede verificarse de forma independiente
common-back = Volver
common-edit = Editar
common-save = Guardar
common-state = Estado
common-issued = Emitida el
common-expires = Caduca el
common-never = Nunca
common-public-page = Página pública
form-errors = Corrija lo siguiente:
field-name = Nombre
field-email = Correo electrónico
field-password = Contraseña
field-description = Descripción
field-badge-name = Insignia
field-recipient = Titular
field-recipient-name = Nombre del titular
field-recipient-email = Correo del titular
role-owner = Propietario
role-admin = Administrador
role-issuer = Emisor
role-viewer = Lector

## Errores
error-not-found = Esta página no existe
error-forbidden = No tiene permiso para hacer esto
error-bad-request = No se pudo aceptar esta solicitud
error-conflict = Otra persona lo modificó antes
error-too-many = Demasiados intentos: espere unos minutos y vuelva a intentarlo
error-internal = Algo falló de nuestro lado; vuelva a intentarlo
error-home = Ir a la página de inicio
error-email = La dirección de correo no parece correcta.
upload-error-too-large = El archivo es demasiado grande.
upload-error-malformed = El envío está incompleto o mal formado.
upload-error-not-png = La imagen debe ser un archivo PNG.
upload-error-damaged = El archivo PNG está dañado.

## Inicio
home-title = Insignias digitales en las que se puede confiar
home-lead = Diseñe insignias, otórguelas a una persona o a miles y permita que cualquiera las verifique en segundos. Open Badges 3.0 y 2.0, firmadas y conformes a las normas.
home-start = Empezar a emitir
home-verify = Verificar una insignia
home-design-title = Diseñar
home-design-text = Los metadatos que piden los empleadores: criterios, competencias, marcos, nivel, horas y créditos, caducidad.
home-issue-title = Emitir
home-issue-text = Credenciales Open Badges 3.0 firmadas, con una copia 2.0 alojada para mochilas antiguas, integradas en la imagen.
home-verify-title = Verificar
home-verify-text = Cada insignia tiene una página pública con una verificación en vivo que cualquiera puede repetir.

## Cuentas
login-title = Iniciar sesión
login-submit = Iniciar sesión
login-failed = El correo o la contraseña no son correctos.
login-no-account = ¿Aún no tiene cuenta?
login-signup = Crear una
signup-title = Cree su cuenta
signup-submit = Crear cuenta
signup-error-name = Indique su nombre.
signup-error-taken = Ya existe una cuenta con este correo.
password-title = Elija una contraseña
password-lead = Entró con un enlace de un solo uso. Elija una contraseña para la próxima vez.
password-submit = Guardar contraseña
password-hint = al menos 10 caracteres
password-too-short = La contraseña debe tener al menos { $min } caracteres.

## Estados
award-state-active = Válida
award-state-revoked = Revocada
award-state-suspended = Suspendida

## Páginas públicas
public-award-og = { $name } obtuvo «{ $badge }», emitida por { $issuer }.
public-awarded-to = Otorgada a
public-earned = ha obtenido
public-issued-by = emitida por
public-image-alt = Imagen de la insignia: { $badge }
public-revoked = El emisor ha revocado esta insignia.
public-reason = Motivo: { $reason }
public-suspended = El emisor ha suspendido esta insignia.
public-expired = Esta insignia caducó el { $date }.
public-replaced = Existe una versión renovada de esta insignia.
public-meaning-title = Qué significa esta insignia
public-skills = Competencias
public-alignments = Alineada con
public-share = Compartir
public-linkedin-add = Añadir al perfil de LinkedIn
public-linkedin-share = Compartir en LinkedIn
public-downloads = Descargar
public-download-png = Imagen de la insignia con la credencial dentro (PNG)
public-download-json = Credencial (Open Badges 3.0, JSON-LD)
public-download-jwt = Credencial (Open Badges 3.0, JWT)
public-description = Descripción
public-criteria = Criterios
public-evidence = Evidencias
public-verification = Verificación
public-verify-yourself = Verifique usted mismo cualquier archivo de insignia:
public-issuer-badges = Insignias
public-no-longer-awarded = Ya no se otorga
badge-field-type = Tipo
badge-field-level = Nivel
badge-field-hours = Horas de aprendizaje
badge-field-credits = Créditos ECTS
badge-field-outcomes = Resultados de aprendizaje
badge-field-eqf = Nivel MEC
badge-field-assessment = Evaluación
badge-field-participation = Modalidad de participación
badge-field-prerequisites = Requisitos previos
badge-field-qa = Garantía de calidad
issuer-field-url = Sitio web
issuer-did = Identificador descentralizado:
org-no-badges = Todavía no hay insignias.

## Página de verificación
verify-title = Verificar una insignia digital
verify-lead = Suba una imagen de insignia (PNG o SVG), un archivo de credencial (JSON o JWT) o pegue la credencial. No se guarda nada de lo que suba.
verify-file = Archivo de la insignia
verify-file-hint = PNG, SVG, JSON o JWT, hasta 10 MB
verify-paste = O pegue la credencial
verify-submit = Verificar
verify-result = Resultado
verify-issuer = Emisor
verify-checks = Comprobaciones
verify-json = Informe técnico (JSON)
verify-error-empty = Primero elija un archivo o pegue una credencial.
verify-verdict-valid = Válida: esta insignia es auténtica, está intacta y en vigor.
verify-verdict-invalid = No válida: al menos una comprobación falló.
verify-verdict-indeterminate = No se pudo verificar por completo: nada falló, pero algunas comprobaciones no pudieron hacerse.
check-parse = Formato
check-contexts = Vocabulario
check-types = Tipo de credencial
check-schema = Estructura
check-proof = Firma
check-key-binding = Clave del emisor
check-validity-window = Periodo de validez
check-status = Revocación
check-recipient = Titular
check-endorsements = Respaldos
check-outcome-passed = superada
check-outcome-failed = fallida
check-outcome-could-not-check = no se pudo comprobar
check-outcome-not-applicable = no se aplica
