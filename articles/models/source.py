from django.db import models


class Source(models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
        TRIAL = "trial", "Trial"
        REGULATOR = "regulator", "Regulator"

    key = models.SlugField(
        max_length=40, unique=True, help_text="Short handle for staff, e.g. aad-2024."
    )
    kind = models.CharField(max_length=20, choices=Kind)
    authors = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=400)
    publisher = models.CharField("journal or issuer", max_length=200)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=40, blank=True, help_text="Volume(issue), e.g. 90(5).")
    pages = models.CharField(max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=120, blank=True)
    pmid = models.CharField("PMID", max_length=12, blank=True)
    url = models.URLField("URL", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.authors or self.publisher} ({self.year or 'n.d.'}). {self.title}"

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self):
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def details(self):
        """Journal, year, volume and pages in one line: "J Am Acad Dermatol. 2024;90(5):1-2"."""
        text = self.publisher
        if self.year:
            text += f". {self.year}"
            if self.volume:
                text += f";{self.volume}"
                if self.pages:
                    text += f":{self.pages}"
        return text
