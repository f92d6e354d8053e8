{{/* Bitnami common.images.image: global.imageRegistry wins; a digest replaces the tag */}}
{{- define "bitnami.image" -}}
{{- $reg := .img.registry -}}
{{- if .global.imageRegistry }}{{ $reg = .global.imageRegistry }}{{ end -}}
{{- if .img.digest -}}{{ printf "%s/%s@%s" $reg .img.repository .img.digest }}{{- else -}}{{ printf "%s/%s:%s" $reg .img.repository .img.tag }}{{- end -}}
{{- end -}}
{{/* kyverno.image (_helpers/_image.tpl): repository alone when registry is empty */}}
{{- define "kyverno.image" -}}
{{- $tag := default "v1.10.0" .tag -}}
{{- if .registry -}}{{ printf "%s/%s:%s" .registry .repository $tag }}{{- else -}}{{ printf "%s:%s" .repository $tag }}{{- end -}}
{{- end -}}
